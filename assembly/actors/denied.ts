// denied: on "try <victim pid>" calls every capability-gated import and replies with the codes,
// "spawn=<c> link=<c> ..." (all -1 under the sandboxed profile).
import {
  Actor,
  cancelTimer,
  defineActor,
  demonitor,
  exitSignal,
  link,
  log,
  Message,
  monitor,
  parseNumber,
  rest,
  sendAfter,
  spawnText,
  trapExit,
  unlink,
  unregister,
  utf8,
} from '../sdk';

export * from '../sdk/exports';

class Denied extends Actor {
  receive(msg: Message): void {
    const victim = msg.startsWith('try ') ? parseNumber(rest(msg.text(), 1)) : this.pid;
    let out = 'spawn=' + (<i32>spawnText('echo', '')).toString();
    out += ' link=' + link(victim).toString();
    out += ' unlink=' + unlink(victim).toString();
    out += ' monitor=' + (<i32>monitor(victim)).toString();
    out += ' demonitor=' + demonitor(1).toString();
    out += ' trap_exit=' + trapExit(true).toString();
    out += ' exit_signal=' + exitSignal(victim, 'kill').toString();
    out += ' send_after=' + (<i32>sendAfter(this.pid, 1, utf8('tick'))).toString();
    out += ' cancel_timer=' + cancelTimer(1).toString();
    out += ' log=' + log(1, 'hello from a sandbox').toString();
    out += ' unregister=' + unregister('victim').toString();
    msg.replyText(out);
  }
}

defineActor((): Actor => new Denied());
