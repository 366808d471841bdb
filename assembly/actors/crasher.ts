// crasher: traps on command. "unreachable", "div0" (integer division by zero), "oob" (a load far
// outside memory), "abort" (AssemblyScript abort with a message), "badptr" (hands the host an
// out-of-bounds pointer), "overflow" (unbounded recursion); anything else replies "ok".
import { Actor, defineActor, Message, sendRaw } from '../sdk';

export * from '../sdk/exports';

const zero: i32 = 0;

function recurse(n: i32): i32 {
  return n == 0x7fffffff ? n : recurse(n + 1) + 1;
}

class Crasher extends Actor {
  receive(msg: Message): void {
    if (msg.is('unreachable')) unreachable();
    else if (msg.is('div0')) msg.replyText((100 / zero).toString());
    else if (msg.is('oob')) msg.replyText(load<u32>(0xfffffff0).toString());
    else if (msg.is('abort')) abort('crasher was told to abort');
    else if (msg.is('badptr')) sendRaw(this.pid, 0x7ffffff0, 64);
    else if (msg.is('overflow')) msg.replyText(recurse(0).toString());
    else msg.replyText('ok');
  }
}

defineActor((): Actor => new Crasher());
