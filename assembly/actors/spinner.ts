// spinner: "spin" loops forever (for the scheduler's watchdog); anything else replies "ok".
import { Actor, defineActor, Message } from '../sdk';

export * from '../sdk/exports';

let sink: i32 = 0;

class Spinner extends Actor {
  receive(msg: Message): void {
    if (msg.is('spin')) {
      while (true) sink++;
    }
    msg.replyText('ok');
  }
}

defineActor((): Actor => new Spinner());
