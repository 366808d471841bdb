// greeter: the spawn arguments are its name; it registers itself under that name and replies to
// every request "hello <text>, I am <name>". A request "whereis <name>" replies with the pid
// registered under <name> (as text, "0" if none); "register <name>" registers another name and
// replies with the ABI code.
import { Actor, defineActor, Message, pidToText, register, rest, whereis } from '../sdk';

export * from '../sdk/exports';

class Greeter extends Actor {
  name: string = 'greeter';
  registered: i32 = 0;

  init(args: Message): void {
    if (args.length > 0) this.name = args.text();
    this.registered = register(this.name);
  }

  receive(msg: Message): void {
    const text = msg.text();
    if (text.startsWith('whereis ')) {
      msg.replyText(pidToText(whereis(rest(text, 1))));
    } else if (text.startsWith('register ')) {
      msg.replyText(register(rest(text, 1)).toString());
    } else if (text == 'status') {
      msg.replyText(this.registered.toString());
    } else {
      msg.replyText('hello ' + text + ', I am ' + this.name);
    }
  }
}

defineActor((): Actor => new Greeter());
