// counter: "inc", "dec", "add <n>" change the count; "get" replies with it as text. The spawn
// arguments, if any, are the initial count as text.
import { Actor, defineActor, Message, parseNumber, rest } from '../sdk';

export * from '../sdk/exports';

class Counter extends Actor {
  count: i64 = 0;

  init(args: Message): void {
    if (args.length > 0) this.count = <i64>parseNumber(args.text());
  }

  receive(msg: Message): void {
    if (msg.is('inc')) this.count++;
    else if (msg.is('dec')) this.count--;
    else if (msg.startsWith('add ')) this.count += <i64>parseNumber(rest(msg.text(), 1));
    else if (msg.is('get')) msg.replyText(this.count.toString());
  }
}

defineActor((): Actor => new Counter());
