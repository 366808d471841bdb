// echo: replies to every request with the same bytes; plain messages are forwarded back to the
// pid in their first 8 bytes (f64) if they are at least 8 bytes long, else dropped. Spawned with
// the arguments "exit", it exits in init (for spawn-churn benchmarks).
// @wactor runtime=minimal
import { Actor, defineActor, exit, Message } from '../sdk';

export * from '../sdk/exports';

class Echo extends Actor {
  init(args: Message): void {
    if (args.is('exit')) exit('normal');
  }

  receive(msg: Message): void {
    const from = msg.sender;
    if (from != 0) {
      msg.forward(from);
    } else if (msg.length >= 8) {
      msg.forward(msg.f64At(0));
    }
  }
}

defineActor((): Actor => new Echo());
