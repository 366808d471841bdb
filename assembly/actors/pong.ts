// pong: every message starts with the sender's pid (f64); pong sends the message straight back.
// No allocation on this path: the bytes go from the inbox to the host.
// @wactor runtime=minimal
import { Actor, defineActor, Message } from '../sdk';

export * from '../sdk/exports';

class Pong extends Actor {
  receive(msg: Message): void {
    msg.forward(msg.f64At(0));
  }
}

defineActor((): Actor => new Pong());
