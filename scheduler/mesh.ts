/**
 * One thread's view of the ring mesh: a {@link RingProducer} to every other thread, a
 * {@link RingConsumer} from every other thread, and the doorbells. It owns the thread's
 * receive loop (drain every inbound ring, publish every dirty outbound ring, sleep when idle).
 *
 * Threads are numbered 0..T-1 (workers first, the main thread last). The ring from thread `a` to
 * thread `b` lives at `rings[a * T + b]`; only `a` writes it and only `b` reads it, which is what
 * makes each ring single-producer/single-consumer.
 *
 * Publication is batched: `send` only writes into the ring; the first send to a peer in a turn
 * queues one microtask that publishes every dirty ring and rings the peers' doorbells, so a
 * handler that sends 1000 messages costs one `tail` store and at most one wake-up per peer.
 *
 * @example
 * const mesh = new Mesh(buffers, 0, (from, bytes) => handle(from, bytes));
 * mesh.send(1, bytes); // visible to thread 1 after the current microtask checkpoint
 * mesh.start();
 */
import { DEFAULT_TICK_BUDGET_MS } from '../runtime/runtime.js';
import { createDoorbells, Doorbell, type IdleWait, type SleepOptions } from './doorbell.js';
import { encodeUserParts, HEAD_BYTES } from './protocol.js';
import { createRing, RingConsumer, RingProducer, type SendResult } from './ring.js';
import type { TakePid } from './ring-consumer.js';

type Reader = (body: Uint8Array, head: Uint8Array) => void;

/** The shared buffers of a mesh of `threads` threads (passed to workers as workerData). */
export interface MeshBuffers {
  readonly threads: number;
  /** `threads * threads` entries; `rings[a * threads + b]` is the ring from a to b (null when a === b). */
  readonly rings: (SharedArrayBuffer | null)[];
  readonly bells: SharedArrayBuffer;
}

export interface MeshOptions {
  /** Bytes of each ring (power of two). Default 256 KiB. */
  readonly ringBytes?: number;
  /** Largest record payload; longer messages are chunked. Default ringBytes / 4. */
  readonly maxChunk?: number;
  /** Bound on bytes queued locally per peer when its ring is full; then sends are refused. */
  readonly maxQueuedBytes?: number;
  /** Microseconds to poll before sleeping when idle. Default 0. */
  readonly spinMicros?: number;
  readonly idleWait?: IdleWait;
  readonly blockMs?: number;
  /** Messages taken from one ring per pass before looking at the others. Default 4096. */
  readonly readBudget?: number;
  /**
   * Microseconds a thread stays awake after its last work, polling its rings once per event-loop
   * turn (timers and I/O still run) before it sleeps on its doorbell. Default 0.
   */
  readonly lingerMicros?: number;
  /** Publish (and wake the consumer) after this many writes to one peer within a turn. Default 64. */
  readonly publishEvery?: number;
  /**
   * The `turnsPerTick` of this thread's runtime: after that many handler calls it may have
   * yielded with work left in a `setImmediate`, which a blocking idle wait must let run first
   * (see `#loop`). Default 1 (any handler call counts).
   */
  readonly runtimeTurns?: number;
}

export function createMeshBuffers(threads: number, ringBytes = 1 << 18): MeshBuffers {
  const rings: (SharedArrayBuffer | null)[] = [];
  for (let a = 0; a < threads; a++) {
    for (let b = 0; b < threads; b++) rings.push(a === b ? null : createRing({ capacity: ringBytes }));
  }
  return { threads, rings, bells: createDoorbells(threads) };
}

/** Fresh rings to and from `thread` (after its worker was replaced). */
export function renewPeerRings(buffers: MeshBuffers, thread: number, ringBytes = 1 << 18): void {
  const T = buffers.threads;
  for (let other = 0; other < T; other++) {
    if (other === thread) continue;
    buffers.rings[thread * T + other] = createRing({ capacity: ringBytes });
    buffers.rings[other * T + thread] = createRing({ capacity: ringBytes });
  }
}

/** Drain passes that may chain as microtasks before the loop yields one event-loop turn. */
const MICRO_PASSES = 8;

/**
 * A settled promise: `resolved.then(fn)` queues `fn` on the same V8 microtask queue as
 * `queueMicrotask(fn)` (same FIFO order), without the AsyncResource Node wraps around every
 * `queueMicrotask` callback — ~70 against ~210 ns per microtask measured here, and the Mesh
 * queues one or two per drain pass.
 */
const resolved = Promise.resolve();

export class Mesh {
  readonly self: number;
  readonly threads: number;
  readonly #out: (RingProducer | null)[] = [];
  readonly #in: (RingConsumer | null)[] = [];
  readonly #bells: Doorbell[] = [];
  /** One bound callback per peer, so a drain allocates no closure. */
  readonly #readers: Reader[] = [];
  readonly #mine: Doorbell;
  readonly #onRecord: (from: number, body: Uint8Array, head: Uint8Array) => void;
  readonly #options: MeshOptions;
  readonly #budget: number;
  #dirty: number[] = [];
  readonly #isDirty: boolean[] = [];
  readonly #unpublished: number[] = [];
  readonly #publishEvery: number;
  readonly #lingerMs: number;
  readonly #sleepOptions: SleepOptions;
  #lastWork = 0;
  /** Passes chained as microtasks since the last event-loop turn (see `#loop`). */
  #passes = 0;
  #publishQueued = false;
  /**
   * A `#loop` pass is queued as a microtask: it publishes every dirty ring when it starts, so a
   * write meanwhile needs no publish microtask of its own (one microtask less per pass).
   */
  #loopQueued = false;
  #running = false;
  #sleeping = false;
  #stopped = false;
  /**
   * Called at the start of every pass. The runtime's handlers for what the previous pass
   * delivered have run by then (its drain microtask was queued before this pass), so no handler
   * is on the stack: the node clears its watchdog mark here (wrap.ts), once per pass instead of
   * after every handler call.
   */
  onPass: (() => void) | undefined;
  /**
   * A number that moves whenever this thread ran local work (the node sets it: its watchdog
   * mark's sequence, which every handler call and every clearing moves). Read only where the
   * loop would block (`idleWait` 'block' or 'hybrid'), see `#loop`.
   */
  progress: (() => number) | undefined;
  /** `progress` when the loop last got as far as a blocking sleep. */
  #lastProgress = 0;
  readonly #blocks: boolean;
  readonly #runtimeTurns: number;
  /** `performance.now()` when the loop last came to a blocking sleep. */
  #lookedAt = 0;
  /**
   * Receives the hot-path records written by {@link sendBytes}: a `Uint8Array` for `pid`. The
   * node sets it; by default it goes to `onRecord` like any other user message of raw bytes.
   */
  onUser: (pid: number, body: Uint8Array) => void;
  /**
   * Offered a hot-path record in place, before `onUser` (see `RingConsumer.read`'s `takePid`):
   * the node takes bodies for local Wasm actors without a fresh array. Unset: every record is
   * copied out for `onUser`.
   */
  takeUser: TakePid | undefined;

  constructor(
    buffers: MeshBuffers,
    self: number,
    onRecord: (from: number, body: Uint8Array, head: Uint8Array) => void,
    options: MeshOptions = {},
  ) {
    this.self = self;
    this.threads = buffers.threads;
    this.#onRecord = onRecord;
    this.#options = options;
    this.#budget = options.readBudget ?? 4096;
    this.#publishEvery = options.publishEvery ?? 64;
    this.#lingerMs = (options.lingerMicros ?? 0) / 1000;
    this.#blocks = options.idleWait === 'block' || options.idleWait === 'hybrid';
    this.#runtimeTurns = options.runtimeTurns ?? 1;
    this.#sleepOptions = {
      ...(options.spinMicros === undefined ? {} : { spinMicros: options.spinMicros }),
      ...(options.idleWait === undefined ? {} : { idleWait: options.idleWait }),
      ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    };
    for (let t = 0; t < this.threads; t++) {
      this.#bells.push(new Doorbell(buffers.bells, t));
      this.#isDirty.push(false);
      this.#unpublished.push(0);
      this.#readers.push((body, head) => this.#onRecord(t, body, head));
      this.#out.push(null);
      this.#in.push(null);
      if (t !== self) this.#attach(buffers, t);
    }
    this.#mine = this.#bells[self] as Doorbell;
    this.onUser = (pid, body) => {
      const [head] = encodeUserParts(pid, body);
      onRecord(-1, body, head);
    };
  }

  #attach(buffers: MeshBuffers, t: number): void {
    const T = this.threads;
    const out = buffers.rings[this.self * T + t];
    const inn = buffers.rings[t * T + this.self];
    const chunk = this.#options.maxChunk;
    const queued = this.#options.maxQueuedBytes;
    this.#out[t] = out
      ? new RingProducer(out, {
          ...(chunk === undefined ? {} : { maxChunk: chunk }),
          ...(queued === undefined ? {} : { maxQueuedBytes: queued }),
        })
      : null;
    this.#in[t] = inn ? new RingConsumer(inn) : null;
  }

  /**
   * Switch to fresh rings to and from `thread` (its worker was replaced). What the old worker
   * had already published to us is delivered first; what we had queued for it is dropped (its
   * processes are gone).
   */
  replacePeer(buffers: MeshBuffers, thread: number): void {
    this.#in[thread]?.read(
      (body, head) => this.#onRecord(thread, body, head),
      Number.POSITIVE_INFINITY,
      HEAD_BYTES,
      this.onUser,
      this.takeUser,
    );
    this.#attach(buffers, thread);
    this.#isDirty[thread] = false;
    this.#dirty = this.#dirty.filter((t) => t !== thread);
  }

  /** Write `bytes` into the ring to `thread`; visible after this turn's publish. */
  send(thread: number, bytes: Uint8Array): SendResult {
    const out = this.#out[thread];
    if (out == null) return 'refused';
    const result = out.send(bytes);
    this.#written(thread, out);
    return result;
  }

  /**
   * A user message of raw bytes for `pid` on `thread`: one pid record written with word stores
   * (no head array, no encoding) when the ring has room and nothing waits ahead of it; otherwise
   * the generic `[head, body]` record, which keeps the order behind queued messages.
   */
  sendBytes(thread: number, pid: number, body: Uint8Array): SendResult {
    const out = this.#out[thread];
    if (out == null) return 'refused';
    let result: SendResult = 'sent';
    if (!out.trySendPid(pid, body)) {
      const [head] = encodeUserParts(pid, body);
      result = out.sendParts(head, body);
    }
    this.#written(thread, out);
    return result;
  }

  /**
   * {@link sendBytes} of `src[start, end)`: written from the caller's memory (a Wasm guest's)
   * straight into the ring as a pid record. Only when that cannot happen now (ring full, queued
   * messages ahead, larger than a record) is the range copied out, so the message can wait in the
   * local queue or be chunked — the caller may reuse `src` as soon as this returns.
   */
  sendCopy(thread: number, pid: number, src: Uint8Array, start: number, end: number): SendResult {
    const out = this.#out[thread];
    if (out == null) return 'refused';
    if (!out.trySendPidRange(pid, src, start, end)) return this.sendBytes(thread, pid, src.slice(start, end));
    this.#written(thread, out);
    return 'sent';
  }

  /** {@link send} of `head` + `body` without concatenating them; `force` ignores the queue bound. */
  sendParts(thread: number, head: Uint8Array, body: Uint8Array, force = false): SendResult {
    const out = this.#out[thread];
    if (out == null) return 'refused';
    const result = out.sendParts(head, body, force);
    this.#written(thread, out);
    return result;
  }

  /**
   * After a write: schedule this turn's publish, and publish early every `publishEvery` writes so
   * a long burst reaches the consumer while we still produce (pipelining instead of lock-step).
   */
  #written(thread: number, out: RingProducer): void {
    if (++this.#unpublished[thread]! >= this.#publishEvery) {
      this.#unpublished[thread] = 0;
      out.publish();
      this.#bells[thread]?.ring();
    }
    if (!this.#isDirty[thread]) {
      this.#isDirty[thread] = true;
      this.#dirty.push(thread);
      if (!this.#publishQueued && !this.#loopQueued) {
        this.#publishQueued = true;
        resolved.then(this.publish);
      }
    }
  }

  /** True while messages to `thread` wait in the local overflow queue. */
  pressured(thread: number): boolean {
    return this.#out[thread]?.pressured ?? false;
  }

  /** Publish every dirty ring and wake its consumer. Runs once per turn (microtask). */
  readonly publish = (): void => {
    this.#publishQueued = false;
    const dirty = this.#dirty;
    if (dirty.length === 0) return;
    this.#dirty = [];
    for (const t of dirty) {
      this.#isDirty[t] = false;
      this.#unpublished[t] = 0;
      const out = this.#out[t];
      if (out == null) continue;
      out.flush();
      this.#bells[t]?.ring();
      // Still pressured: keep it dirty so our loop retries when the consumer frees space.
      if (out.pressured && !this.#isDirty[t]) {
        this.#isDirty[t] = true;
        this.#dirty.push(t);
      }
    }
  };

  /** Start the receive loop. */
  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    this.#loop();
  }

  /** Stop the receive loop (a pending sleep is woken and then ends). */
  stop(): void {
    this.#stopped = true;
    if (this.#sleeping) this.#mine.wake();
  }

  /** Drain every inbound ring once; returns the number of records delivered. */
  drain(): number {
    let total = 0;
    for (let t = 0; t < this.threads; t++) {
      const rx = this.#in[t];
      if (rx == null) continue;
      const { messages, spaceFreed } = rx.read(
        this.#readers[t] as Reader,
        this.#budget,
        HEAD_BYTES,
        this.onUser,
        this.takeUser,
      );
      if (spaceFreed) this.#bells[t]?.ring();
      total += messages;
    }
    return total;
  }

  readonly #hasWork = (): boolean => {
    if (this.#stopped) return true;
    for (let t = 0; t < this.threads; t++) {
      if (this.#in[t]?.hasData()) return true;
      if (this.#out[t]?.canFlush()) return true;
    }
    return false;
  };

  readonly #loop = (): void => {
    this.#sleeping = false;
    this.#loopQueued = false;
    do {
      this.onPass?.();
      if (this.#stopped) {
        // Writes made while this pass was queued were left to it (see #loopQueued).
        if (this.#dirty.length > 0) this.publish();
        return;
      }
      // What the handlers of the previous pass sent goes out before we read more.
      if (this.#dirty.length > 0) this.publish();
      const n = this.drain();
      // Retry rings that were full at the last publish (their consumer may have freed space).
      for (let t = 0; t < this.threads; t++) if (this.#out[t]?.canFlush()) this.#markDirty(t);
      if (this.#dirty.length > 0) this.publish();
      if (n > 0) {
        if (this.#lingerMs > 0) this.#lastWork = performance.now();
        // Let the runtime run the handlers we just fed (its drain is a microtask queued by the
        // deliveries above, so it runs before ours), then continue. Up to MICRO_PASSES passes
        // chain as microtasks — no event-loop turn (epoll, timers) per batch; then one
        // setImmediate, so timers, I/O and the peer-replacement notices are never starved.
        if (++this.#passes < MICRO_PASSES) {
          this.#loopQueued = true;
          resolved.then(this.#loop);
        } else {
          this.#passes = 0;
          setImmediate(this.#loop);
        }
        return;
      }
      this.#passes = 0;
      // Linger: stay awake for a while after the last work, polling once per event-loop turn.
      // A producer only pays for `Atomics.notify` (12–22 µs on this VM) when we really sleep, and
      // a reply that comes back within the window is picked up without a wake-up.
      if (this.#lingerMs > 0 && performance.now() - this.#lastWork < this.#lingerMs) {
        setImmediate(this.#loop);
        return;
      }
      // A blocking sleep stops this thread's event loop, and the rings are not all the work
      // there is: a resumed receive-loop body (or what a handler's promise queued) waits in a
      // microtask behind this pass, and the runtime yields after `turnsPerTick` turns with the
      // rest queued in a setImmediate after `turnsPerTick` turns or `tickBudgetMs`. Blocking now
      // would hold that back for up to `blockMs` per runtime tick (measured: 100k self-sends
      // 1.3 s with 'block' against 0.05 s with 'async'). So, while handlers ran since the loop
      // last came here, put the sleep off (`#putOff`): by one microtask when the runtime cannot
      // have yielded (what was queued runs first; cheap), else by an event-loop turn. Block once
      // nothing ran in between.
      if (this.#blocks) {
        const putOff = this.#putOff();
        if (putOff === 2) {
          setImmediate(this.#loop);
          return;
        }
        if (putOff === 1) {
          resolved.then(this.#settle);
          return;
        }
      }
    } while (this.#mine.sleep(this.#hasWork, this.#wake, this.#sleepOptions));
    this.#sleeping = true;
  };

  readonly #wake = (): void => this.#loop();

  /**
   * The blocking sleep of `#loop`, put off by one microtask while handlers ran since the last
   * look (see there), so what they queued runs first. Not a whole pass: the rings were just
   * read, and the sleep looks at them once more anyway (`#hasWork`).
   */
  readonly #settle = (): void => {
    const putOff = this.#putOff();
    if (putOff === 2) setImmediate(this.#loop);
    else if (putOff === 1) resolved.then(this.#settle);
    else if (this.#mine.sleep(this.#hasWork, this.#wake, this.#sleepOptions)) this.#loop();
    else this.#sleeping = true;
  };

  /**
   * Whether the blocking sleep may happen now (see `#loop`), and remember this look: 0 yes; 1
   * after one microtask (handlers ran, too few and too briefly for the runtime to have yielded);
   * 2 after an event-loop turn (`turnsPerTick` calls, or `tickBudgetMs` of time — a shard's
   * runtime runs with the default — since the last look: the runtime may have yielded with work
   * left). Calls are counted from `progress`, the
   * watchdog mark's sequence: every call moves it by 2 or 3 (wrap.ts `enter`) and every
   * clearing by 1, so k calls moved it by at least 2k and half the distance, rounded up, never
   * undercounts. The time since the last look may include a sleep: that costs a turn, not a stall.
   */
  #putOff(): 0 | 1 | 2 {
    const progress = this.progress;
    if (progress === undefined) return 0;
    const seq = progress();
    const moved = (seq - this.#lastProgress) | 0;
    this.#lastProgress = seq;
    const now = performance.now();
    const since = now - this.#lookedAt;
    this.#lookedAt = now;
    if (moved <= 0) return 0;
    return (moved + 1) >> 1 >= this.#runtimeTurns || since >= DEFAULT_TICK_BUDGET_MS ? 2 : 1;
  }

  #markDirty(t: number): void {
    if (!this.#isDirty[t]) {
      this.#isDirty[t] = true;
      this.#dirty.push(t);
    }
  }

  /** Per-peer producer counters: accepted, queued (had to wait), refused, current queue depth. */
  stats(): { accepted: number; queued: number; refused: number; queueDepth: number } {
    const sum = { accepted: 0, queued: 0, refused: 0, queueDepth: 0 };
    for (const out of this.#out) {
      if (out == null) continue;
      const s = out.stats();
      sum.accepted += s.accepted;
      sum.queued += s.queued;
      sum.refused += s.refused;
      sum.queueDepth += s.queueDepth;
    }
    return sum;
  }
}
