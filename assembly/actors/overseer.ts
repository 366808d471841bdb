// overseer: a guest that uses process control. The spawn arguments are a report pid as text.
// Requests: "spawn <module> [args]", "spawnlink <module> [args]" → the child pid (or code) as
// text; "monitor <pid>" → the ref; "link <pid>", "trap" → the code; "kill <pid>" → the code;
// "after <ms> <text>" → sets a timer to itself, which on firing reports "timer <text>";
// "exit <reason>" → exits; "now" → the clock; "random <n>" → n random bytes; "named <name>
// <text>" → sends text to a name, replies the code; "onstop <pid>" → when it ends, it tries to link
// to and kill <pid> and reports "stop link=<c> kill=<c>". Down and exit notices are reported to the report pid as text:
// "down <pid> <reason> <detail>" / "exit <pid> <reason> <detail>".
import {
  Actor,
  defineActor,
  exit,
  exitSignal,
  link,
  log,
  Message,
  monitor,
  now,
  parseNumber,
  pidToText,
  randomBytes,
  rest,
  SPAWN_LINK,
  sendAfter,
  sendNamedText,
  sendText,
  spawnText,
  trapExit,
  utf8,
  words,
} from '../sdk';

export * from '../sdk/exports';

class Overseer extends Actor {
  report: f64 = 0;
  onStop: f64 = 0;

  init(args: Message): void {
    if (args.length > 0) this.report = parseNumber(args.text());
  }

  receive(msg: Message): void {
    const text = msg.text();
    const w = words(text);
    const cmd = w[0];
    if (cmd == 'spawn' || cmd == 'spawnlink') {
      const pid = spawnText(w[1], rest(text, 2), cmd == 'spawnlink' ? SPAWN_LINK : 0);
      msg.replyText(pidToText(pid));
    } else if (cmd == 'monitor') {
      msg.replyText(pidToText(monitor(parseNumber(w[1]))));
    } else if (cmd == 'link') {
      msg.replyText(link(parseNumber(w[1])).toString());
    } else if (cmd == 'trap') {
      msg.replyText(trapExit(true).toString());
    } else if (cmd == 'kill') {
      msg.replyText(exitSignal(parseNumber(w[1]), 'kill').toString());
    } else if (cmd == 'after') {
      const id = sendAfter(this.pid, parseNumber(w[1]), utf8('timer ' + rest(text, 2)));
      msg.replyText(pidToText(id));
    } else if (cmd == 'timer') {
      sendText(this.report, text);
    } else if (cmd == 'log') {
      msg.replyText(log(1, rest(text, 1)).toString());
    } else if (cmd == 'now') {
      msg.replyText(now().toString());
    } else if (cmd == 'random') {
      msg.reply(randomBytes(<i32>parseNumber(w[1])));
    } else if (cmd == 'named') {
      msg.replyText(sendNamedText(w[1], rest(text, 2)).toString());
    } else if (cmd == 'onstop') {
      this.onStop = parseNumber(w[1]);
      msg.replyText('0');
    } else if (cmd == 'exit') {
      exit(rest(text, 1));
    } else {
      msg.replyText('error: unknown command');
    }
  }

  terminate(reason: string): void {
    if (this.onStop == 0) return;
    const l = link(this.onStop);
    const k = exitSignal(this.onStop, 'kill');
    sendText(this.report, 'stop link=' + l.toString() + ' kill=' + k.toString());
  }

  onDown(pid: f64, ref: f64, reason: string, detail: string): void {
    sendText(this.report, 'down ' + pidToText(pid) + ' ' + reason + ' ' + detail);
  }

  onExit(from: f64, reason: string, detail: string): void {
    sendText(this.report, 'exit ' + pidToText(from) + ' ' + reason + ' ' + detail);
  }
}

defineActor((): Actor => new Overseer());
