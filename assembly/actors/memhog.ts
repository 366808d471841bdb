// memhog: "grow <kib>" allocates and keeps that many KiB more (until the memory cap traps);
// replies to a request with the memory size in pages. A plain message gets no reply and makes no
// host call after growing (a test relies on that: the host's views of memory stay stale).
import { Actor, defineActor, Message, parseNumber, rest } from '../sdk';

export * from '../sdk/exports';

class MemHog extends Actor {
  kept: Uint8Array[] = [];

  receive(msg: Message): void {
    if (msg.startsWith('grow ')) {
      const kib = <i32>parseNumber(rest(msg.text(), 1));
      for (let i = 0; i < kib; i++) {
        const chunk = new Uint8Array(1024);
        chunk[0] = 1;
        this.kept.push(chunk);
      }
    }
    if (msg.sender != 0) msg.replyText(memory.size().toString());
  }
}

defineActor((): Actor => new MemHog());
