// ping: spawn arguments are [pong pid f64][report pid f64][rounds u32][in flight u32]. It keeps
// `in flight` messages bouncing off pong until `rounds` replies came back, then sends "done" to
// the report pid. Messages are [self pid f64][seq u32], built once in a static buffer.
// @wactor runtime=minimal
import { Actor, defineActor, Message, sendRaw, sendText } from '../sdk';

export * from '../sdk/exports';

class Ping extends Actor {
  pong: f64 = 0;
  report: f64 = 0;
  remaining: u32 = 0;
  outstanding: u32 = 0;
  buf: usize = heap.alloc(12);

  init(args: Message): void {
    this.pong = args.f64At(0);
    this.report = args.f64At(8);
    this.remaining = args.u32At(16);
    let inflight = args.u32At(20);
    if (inflight == 0) inflight = 1;
    store<f64>(this.buf, this.pid);
    for (let i: u32 = 0; i < inflight && this.outstanding < this.remaining; i++) this.bounce(i);
  }

  receive(msg: Message): void {
    this.outstanding--;
    this.remaining--;
    if (this.remaining == 0) {
      sendText(this.report, 'done');
      return;
    }
    if (this.outstanding < this.remaining) this.bounce(this.remaining);
  }

  bounce(seq: u32): void {
    store<u32>(this.buf + 8, seq);
    this.outstanding++;
    sendRaw(this.pong, this.buf, 12);
  }

  terminate(reason: string): void {
    heap.free(this.buf);
  }
}

defineActor((): Actor => new Ping());
