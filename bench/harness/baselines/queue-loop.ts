/**
 * Baseline: the same ping-pong hops through the simplest possible same-thread dispatcher — one
 * global FIFO of (target, message) pairs and an array of handler functions, drained in a loop.
 * No mailboxes, no process records, no promises: the floor any actor runtime on one thread pays
 * above, so "runtime ÷ queue loop" says how much the actor machinery costs.
 */

type Handler = (msg: number) => void;

/**
 * A growable ring buffer of (target, message) pairs plus the drain loop.
 *
 * @example
 * const q = new QueueLoop();
 * const a = q.add((n) => q.send(b, n + 1)); const b = q.add((n) => { if (n < 10) q.send(a, n + 1); });
 * q.send(a, 1); q.drain();
 */
export class QueueLoop {
  readonly #handlers: Handler[] = [];
  #targets = new Int32Array(1024);
  #messages = new Float64Array(1024);
  #head = 0;
  #size = 0;

  /** Register a handler; returns its id. */
  add(handler: Handler): number {
    this.#handlers.push(handler);
    return this.#handlers.length - 1;
  }

  /** Queue `msg` for handler `target`. */
  send(target: number, msg: number): void {
    if (this.#size === this.#targets.length) this.#grow();
    const mask = this.#targets.length - 1;
    const at = (this.#head + this.#size) & mask;
    this.#targets[at] = target;
    this.#messages[at] = msg;
    this.#size++;
  }

  /** Deliver queued messages (and the ones they cause) until the queue is empty; returns hops. */
  drain(): number {
    let hops = 0;
    while (this.#size > 0) {
      const mask = this.#targets.length - 1;
      const at = this.#head;
      this.#head = (at + 1) & mask;
      this.#size--;
      this.#handlers[this.#targets[at]!]!(this.#messages[at]!);
      hops++;
    }
    return hops;
  }

  #grow(): void {
    const n = this.#targets.length;
    const targets = new Int32Array(n * 2);
    const messages = new Float64Array(n * 2);
    for (let i = 0; i < this.#size; i++) {
      targets[i] = this.#targets[(this.#head + i) & (n - 1)]!;
      messages[i] = this.#messages[(this.#head + i) & (n - 1)]!;
    }
    this.#targets = targets;
    this.#messages = messages;
    this.#head = 0;
  }
}

/**
 * `pairs` ping-pong pairs on one QueueLoop. `batch(size)` bounces a counter `ceil(size / pairs)`
 * hops in every pair concurrently and returns the hops delivered (a {@link BatchFn}).
 *
 * @example
 * const { perSecond } = await measureThroughput(createQueuePingPong(4), { seconds: 1 });
 */
export function createQueuePingPong(pairs: number): (size: number) => number {
  const q = new QueueLoop();
  let limit = 0;
  const firsts: number[] = [];
  for (let p = 0; p < pairs; p++) {
    // Ids are allocated in order, so the peer of `a` is `a + 1` and vice versa.
    const a = q.add((n) => {
      if (n < limit) q.send(a + 1, n + 1);
    });
    q.add((n) => {
      if (n < limit) q.send(a, n + 1);
    });
    firsts.push(a);
  }
  return (size) => {
    limit = Math.max(1, Math.ceil(size / pairs));
    for (const a of firsts) q.send(a, 1);
    return q.drain();
  };
}

/**
 * Round-trip latency through the queue loop: one pair, one message in flight; `run(n)` records
 * `n` round trips into `record(startMs)`.
 */
export function createQueueRoundTrip(
  now: () => number,
  record: (startMs: number) => void,
): (n: number) => number {
  const q = new QueueLoop();
  let remaining = 0;
  let t0 = 0;
  const ping = q.add(() => {
    record(t0);
    if (--remaining > 0) {
      t0 = now();
      q.send(pong, 0);
    }
  });
  const pong = q.add(() => q.send(ping, 0));
  return (n) => {
    remaining = n;
    t0 = now();
    q.send(pong, 0);
    q.drain();
    return n;
  };
}
