// kv: a key-value store. Requests (text): "put <key> <value>" → "ok", "get <key>" → the value
// or "" , "del <key>" → "1"/"0", "size" → the number of keys.
import { Actor, defineActor, Message, rest, words } from '../sdk';

export * from '../sdk/exports';

class Kv extends Actor {
  store: Map<string, string> = new Map<string, string>();

  receive(msg: Message): void {
    const text = msg.text();
    const w = words(text);
    const cmd = w[0];
    if (cmd == 'put' && w.length >= 3) {
      this.store.set(w[1], rest(text, 2));
      msg.replyText('ok');
    } else if (cmd == 'get' && w.length >= 2) {
      msg.replyText(this.store.has(w[1]) ? this.store.get(w[1]) : '');
    } else if (cmd == 'del' && w.length >= 2) {
      msg.replyText(this.store.delete(w[1]) ? '1' : '0');
    } else if (cmd == 'size') {
      msg.replyText(this.store.size.toString());
    } else {
      msg.replyText('error: unknown command');
    }
  }
}

defineActor((): Actor => new Kv());
