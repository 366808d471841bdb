/**
 * A single-producer / single-consumer ring of variable-length byte messages in a
 * SharedArrayBuffer. One ring exists per ordered pair of threads (main thread included), so every
 * index has exactly one writer and no compare-and-swap is needed on the hot path.
 *
 * Layout (byte offsets into the SharedArrayBuffer):
 *
 * | offset | field        | written by | meaning                                              |
 * | ------ | ------------ | ---------- | ---------------------------------------------------- |
 * | 0      | `head`       | consumer   | bytes consumed so far (mod 2^32)                      |
 * | 64     | `tail`       | producer   | bytes published so far (mod 2^32)                     |
 * | 128    | `wantSpace`  | both       | 1 = the producer is waiting for the consumer to free space |
 * | 256…   | data         | see below  | `capacity` bytes, a power of two                      |
 *
 * `head` and `tail` sit on separate 64-byte cache lines so the two threads do not false-share.
 * Indices grow forever and wrap at 2^32; with a power-of-two capacity ≤ 2^30,
 * `(tail - head) >>> 0` is the number of unread bytes even across the wrap.
 *
 * A record is a 4-byte header (bit 31 = MORE: another chunk of the same message follows; bits
 * 0–30 = payload length) followed by the payload padded to 4 bytes. Headers are 4-aligned and the
 * capacity is a multiple of 4, so a header never straddles the end of the buffer; a payload may,
 * and is then copied in two parts. Messages longer than `maxChunk` are split into chunks; because
 * there is one producer the chunks of one message are contiguous in the stream, and the consumer
 * reassembles them. A message longer than the whole ring still arrives: the producer keeps the
 * rest in its local queue and writes it as the consumer frees space.
 *
 * Memory ordering: JavaScript `Atomics` operations are sequentially consistent and order the
 * plain (non-atomic) accesses around them. The producer writes payload and header with plain
 * stores and only then `Atomics.store`s `tail`; the consumer `Atomics.load`s `tail` before
 * reading any byte below it, so it never sees a half-written record. Symmetrically the consumer
 * finishes copying a record out before it `Atomics.store`s `head`, and the producer
 * `Atomics.load`s `head` before reusing that space.
 *
 * @example
 * const sab = createRing({ capacity: 1 << 16 });
 * const tx = new RingProducer(sab);
 * const rx = new RingConsumer(sab);
 * tx.send(new Uint8Array([1, 2, 3]));
 * tx.publish();
 * rx.read((bytes) => console.log(bytes)); // Uint8Array [1, 2, 3]
 */
import { RingOptionError } from './errors.js';

const HEAD = 0; // Int32 index of head (byte offset 0)
const TAIL = 16; // byte offset 64
const WANT_SPACE = 32; // byte offset 128
/** Bytes of header before the data area. */
export const RING_HEADER_BYTES = 256;
const MORE = 0x80000000;
const LEN_MASK = 0x7fffffff;

export interface RingOptions {
  /** Data bytes; a power of two between 64 and 2^30. Default 1 MiB. */
  readonly capacity?: number;
}

/**
 * Allocate the SharedArrayBuffer of one ring; hand it to both threads.
 * @example const sab = createRing({ capacity: 1 << 20 });
 */
export function createRing(options: RingOptions = {}): SharedArrayBuffer {
  const capacity = options.capacity ?? 1 << 20;
  if (
    !Number.isInteger(capacity) ||
    capacity < 64 ||
    capacity > 2 ** 30 ||
    (capacity & (capacity - 1)) !== 0
  ) {
    throw new RingOptionError(
      `options.capacity must be a power of two between 64 and 2^30, got ${String(capacity)}`,
    );
  }
  return new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
}

function views(sab: SharedArrayBuffer): {
  ctl: Int32Array;
  data: Uint8Array;
  words: Uint32Array;
  capacity: number;
} {
  const capacity = sab.byteLength - RING_HEADER_BYTES;
  if (capacity < 64 || (capacity & (capacity - 1)) !== 0) {
    throw new RingOptionError('the SharedArrayBuffer was not made by createRing (bad size)');
  }
  return {
    ctl: new Int32Array(sab, 0, RING_HEADER_BYTES / 4),
    data: new Uint8Array(sab, RING_HEADER_BYTES, capacity),
    words: new Uint32Array(sab, RING_HEADER_BYTES, capacity / 4),
    capacity,
  };
}

/** What {@link RingProducer.send} did with a message. */
export type SendResult = 'sent' | 'queued' | 'refused';

export interface ProducerOptions {
  /** Largest payload per record; longer messages are chunked. Default capacity / 4. */
  readonly maxChunk?: number;
  /** Bound on bytes held in the local overflow queue; past it `send` refuses. Default 64 MiB. */
  readonly maxQueuedBytes?: number;
}

/** Counters of one producer (monotonic except `queueDepth`/`queuedBytes`). */
export interface ProducerStats {
  /** Messages accepted (written to the ring or queued). */
  readonly accepted: number;
  /** Messages that had to wait in the local queue because the ring was full. */
  readonly queued: number;
  /** Messages refused because the local queue was over `maxQueuedBytes`. */
  readonly refused: number;
  /** Messages waiting in the local queue now. */
  readonly queueDepth: number;
  readonly queuedBytes: number;
}

/**
 * The writing end of a ring. Only one thread may own it. Writes become visible to the consumer
 * at {@link publish} (once per batch), which is what makes batched publication cheap.
 */
export class RingProducer {
  readonly capacity: number;
  readonly maxChunk: number;
  readonly maxQueuedBytes: number;
  readonly #ctl: Int32Array;
  readonly #data: Uint8Array;
  readonly #words: Uint32Array;
  readonly #mask: number;
  /** Our private write index: ahead of the shared `tail` by what is not yet published. */
  #tail: number;
  /** A stale-but-safe copy of the consumer's `head` (it only grows, so stale means less room). */
  #head: number;
  #queue: Uint8Array[] = [];
  #queueStart = 0;
  /** Bytes of `#queue[#queueStart]` already written (a chunked message in progress). */
  #partial = 0;
  #queuedBytes = 0;
  #accepted = 0;
  #queuedCount = 0;
  #refused = 0;

  constructor(sab: SharedArrayBuffer, options: ProducerOptions = {}) {
    const v = views(sab);
    this.capacity = v.capacity;
    this.#ctl = v.ctl;
    this.#data = v.data;
    this.#words = v.words;
    this.#mask = v.capacity - 1;
    const maxChunk = options.maxChunk ?? v.capacity / 4;
    if (!Number.isInteger(maxChunk) || maxChunk < 1 || maxChunk > v.capacity / 2 - 4) {
      throw new RingOptionError(
        `options.maxChunk must be an integer between 1 and capacity/2 - 4 (${v.capacity / 2 - 4}), got ${String(maxChunk)}`,
      );
    }
    this.maxChunk = maxChunk;
    const maxQueuedBytes = options.maxQueuedBytes ?? 64 * 1024 * 1024;
    if (!(maxQueuedBytes >= 0)) {
      throw new RingOptionError(
        `options.maxQueuedBytes must be a non-negative number, got ${String(maxQueuedBytes)}`,
      );
    }
    this.maxQueuedBytes = maxQueuedBytes;
    // Resume where a previous producer on this ring stopped (the tail is ours to own now).
    this.#tail = Atomics.load(this.#ctl, TAIL) >>> 0;
    this.#head = Atomics.load(this.#ctl, HEAD) >>> 0;
  }

  /**
   * Accept a message: write it to the ring (visible after {@link publish}), or queue it locally
   * when the ring is full (or earlier messages are still queued: order is kept), or refuse it when
   * the local queue is over its bound. An accepted message is never dropped. `force` skips the
   * bound (control signals, which like the runtime's exit signals are never refused).
   */
  send(bytes: Uint8Array, force = false): SendResult {
    if (this.#queue.length > this.#queueStart) return this.#enqueue(bytes, force);
    const written = this.#write(bytes, 0);
    if (written === bytes.length) {
      this.#accepted++;
      return 'sent';
    }
    const result = this.#enqueue(bytes, force);
    if (result === 'queued') this.#partial = Math.max(0, written);
    return result;
  }

  /** Make everything written so far visible to the consumer. True if anything was new. */
  publish(): boolean {
    // Plain stores of payload and headers happened before this SC store; the consumer's SC load
    // of `tail` therefore sees all of them.
    if (Atomics.load(this.#ctl, TAIL) >>> 0 === this.#tail) return false;
    Atomics.store(this.#ctl, TAIL, this.#tail | 0);
    return true;
  }

  /**
   * Move queued messages into the ring as far as space allows (then publish). Returns the number
   * of messages fully moved. When the ring is still full it raises `wantSpace`, so the consumer
   * reports freed space (see {@link RingConsumer.read}).
   */
  flush(): number {
    let moved = 0;
    while (this.#queue.length > this.#queueStart) {
      const msg = this.#queue[this.#queueStart] as Uint8Array;
      const written = this.#write(msg, this.#partial);
      if (written === msg.length) {
        this.#queueStart++;
        this.#partial = 0;
        this.#queuedBytes -= msg.length;
        moved++;
        continue;
      }
      this.#partial = Math.max(this.#partial, written);
      break;
    }
    if (this.#queueStart === this.#queue.length) {
      this.#queue = [];
      this.#queueStart = 0;
    } else if (this.#queueStart > 1024 && this.#queueStart * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueStart);
      this.#queueStart = 0;
    }
    this.publish();
    if (this.#queue.length > this.#queueStart) this.#askForSpace();
    return moved;
  }

  /** True while messages wait in the local queue (the sender is under pressure). */
  get pressured(): boolean {
    return this.#queue.length > this.#queueStart;
  }

  /**
   * True when messages wait locally and the ring has room for the next record now. A thread that
   * is about to sleep checks this together with its inbound rings: the consumer's wake-up after
   * freeing space is only a hint that may arrive while we are awake (see doorbell.ts).
   */
  canFlush(): boolean {
    if (this.#queue.length === this.#queueStart) return false;
    const msg = this.#queue[this.#queueStart] as Uint8Array;
    return this.#hasRoom(Math.min(this.maxChunk, msg.length - this.#partial));
  }

  stats(): ProducerStats {
    return {
      accepted: this.#accepted,
      queued: this.#queuedCount,
      refused: this.#refused,
      queueDepth: this.#queue.length - this.#queueStart,
      queuedBytes: this.#queuedBytes,
    };
  }

  #enqueue(bytes: Uint8Array, force: boolean): SendResult {
    if (
      !force &&
      this.#queuedBytes + bytes.length > this.maxQueuedBytes &&
      this.#queue.length > this.#queueStart
    ) {
      this.#refused++;
      return 'refused';
    }
    // Keep our own copy: the caller may reuse its buffer once send returns.
    this.#queue.push(bytes.slice());
    this.#queuedBytes += bytes.length;
    this.#queuedCount++;
    this.#accepted++;
    // Publish what is already in the ring, then ask the consumer to tell us when it frees space.
    this.publish();
    this.#askForSpace();
    return 'queued';
  }

  #askForSpace(): void {
    // Raise the flag *before* re-reading head: either the consumer's next head store comes after
    // our flag store (and it sees the flag and reports space), or our re-read sees its new head.
    Atomics.store(this.#ctl, WANT_SPACE, 1);
    this.#head = Atomics.load(this.#ctl, HEAD) >>> 0;
  }

  #free(): number {
    return this.capacity - ((this.#tail - this.#head) >>> 0);
  }

  /** Room for a record with `payload` bytes, refreshing our copy of head only when needed. */
  #hasRoom(payload: number): boolean {
    const need = 4 + ((payload + 3) & ~3);
    if (this.#free() >= need) return true;
    this.#head = Atomics.load(this.#ctl, HEAD) >>> 0;
    return this.#free() >= need;
  }

  /**
   * Write `bytes` from `offset` as records while room lasts. Returns how far it got (bytes.length
   * when done). An empty message that did not fit returns -1.
   */
  #write(bytes: Uint8Array, offset: number): number {
    if (bytes.length === 0) {
      if (!this.#hasRoom(0)) return -1;
      this.#record(bytes, 0, 0, false);
      return 0;
    }
    let at = offset;
    while (at < bytes.length) {
      const len = Math.min(this.maxChunk, bytes.length - at);
      if (!this.#hasRoom(len)) {
        // Make what we did write visible so the consumer can drain and free space.
        this.publish();
        return at;
      }
      this.#record(bytes, at, len, at + len < bytes.length);
      at += len;
    }
    return at;
  }

  #record(bytes: Uint8Array, from: number, len: number, more: boolean): void {
    const pos = this.#tail & this.#mask;
    this.#words[pos >>> 2] = (more ? MORE : 0) | len;
    const start = (pos + 4) & this.#mask;
    this.#copyIn(bytes, from, len, start);
    this.#tail = (this.#tail + 4 + ((len + 3) & ~3)) >>> 0;
  }

  /** Copy `len` bytes of `bytes` from `from` into the data area at `start`, wrapping at the end. */
  #copyIn(bytes: Uint8Array, from: number, len: number, start: number): void {
    const data = this.#data;
    const first = Math.min(len, this.capacity - start);
    if (first < 64) {
      // Small copies: a loop beats allocating subarray views for TypedArray.set.
      for (let i = 0; i < first; i++) data[start + i] = bytes[from + i] as number;
    } else {
      data.set(bytes.subarray(from, from + first), start);
    }
    if (first < len) data.set(bytes.subarray(from + first, from + len), 0);
  }

  /**
   * Send `head` followed by `body` as one message without concatenating them first (the common
   * case: a small routing header in front of a user payload). Same contract as {@link send}.
   */
  sendParts(head: Uint8Array, body: Uint8Array, force = false): SendResult {
    const len = head.length + body.length;
    if (this.#queue.length === this.#queueStart && len <= this.maxChunk && this.#hasRoom(len)) {
      const pos = this.#tail & this.#mask;
      this.#words[pos >>> 2] = len;
      const start = (pos + 4) & this.#mask;
      this.#copyIn(head, 0, head.length, start);
      this.#copyIn(body, 0, body.length, (start + head.length) & this.#mask);
      this.#tail = (this.#tail + 4 + ((len + 3) & ~3)) >>> 0;
      this.#accepted++;
      return 'sent';
    }
    const whole = new Uint8Array(len);
    whole.set(head);
    whole.set(body, head.length);
    return this.send(whole, force);
  }
}

/** The reading end of a ring. Only one thread may own it. */
export class RingConsumer {
  readonly capacity: number;
  readonly #ctl: Int32Array;
  readonly #data: Uint8Array;
  readonly #words: Uint32Array;
  readonly #mask: number;
  #head: number;
  /** Chunks of a message whose last chunk has not arrived yet. */
  #parts: Uint8Array[] = [];
  #partsLength = 0;
  #headScratch = new Uint8Array(0);
  #received = 0;

  constructor(sab: SharedArrayBuffer) {
    const v = views(sab);
    this.capacity = v.capacity;
    this.#ctl = v.ctl;
    this.#data = v.data;
    this.#words = v.words;
    this.#mask = v.capacity - 1;
    this.#head = Atomics.load(this.#ctl, HEAD) >>> 0;
  }

  /** True when published records wait to be read. */
  hasData(): boolean {
    return Atomics.load(this.#ctl, TAIL) >>> 0 !== this.#head;
  }

  /** Messages delivered so far. */
  get received(): number {
    return this.#received;
  }

  /**
   * Deliver up to `max` whole messages (each a fresh copy the callee may keep) to `onMessage`,
   * then publish the new head once. Returns `{ messages, spaceFreed }`; `spaceFreed` is true when
   * the producer had asked for space and this read freed some — the caller then wakes the
   * producer (its doorbell) so it drains its local queue.
   */
  read(
    onMessage: (bytes: Uint8Array, head: Uint8Array) => void,
    max = Number.POSITIVE_INFINITY,
    split = 0,
  ): { messages: number; spaceFreed: boolean } {
    // With `split`, the first `split` bytes of each message go to a reused scratch array and only
    // the rest is copied into a fresh one: one allocation per message for header + payload.
    if (split > 0 && this.#headScratch.length !== split) this.#headScratch = new Uint8Array(split);
    const scratch = this.#headScratch;
    const data = this.#data;
    const words = this.#words;
    const mask = this.#mask;
    // One SC load of tail per batch: everything below it is fully written (see the file comment).
    const tail = Atomics.load(this.#ctl, TAIL) >>> 0;
    const start = this.#head;
    let head = start;
    let messages = 0;
    let spaceFreed = false;
    try {
      while (head !== tail && messages < max) {
        const pos = head & mask;
        const header = words[pos >>> 2] as number;
        const len = header & LEN_MASK;
        const more = (header & MORE) !== 0;
        const at = (pos + 4) & mask;
        if (split > 0 && !more && this.#parts.length === 0 && len >= split) {
          // The common case: a whole message in one record, header split off without a copy.
          for (let i = 0; i < split; i++) scratch[i] = data[(at + i) & mask] as number;
          const body = this.#copyOut((at + split) & mask, len - split);
          head = (head + 4 + ((len + 3) & ~3)) >>> 0;
          messages++;
          this.#received++;
          this.#head = head;
          onMessage(body, scratch);
          continue;
        }
        const bytes = this.#copyOut(at, len);
        head = (head + 4 + ((len + 3) & ~3)) >>> 0;
        if (more) {
          this.#parts.push(bytes);
          this.#partsLength += len;
          continue;
        }
        let whole = bytes;
        if (this.#parts.length > 0) {
          this.#parts.push(bytes);
          whole = new Uint8Array(this.#partsLength + len);
          let at = 0;
          for (const part of this.#parts) {
            whole.set(part, at);
            at += part.length;
          }
          this.#parts = [];
          this.#partsLength = 0;
        }
        messages++;
        this.#received++;
        // Advance our private head before the callback so a throwing callback does not replay.
        this.#head = head;
        if (split > 0) {
          scratch.set(whole.subarray(0, split));
          onMessage(whole.subarray(split), scratch);
        } else onMessage(whole, scratch);
      }
    } finally {
      this.#head = head;
      if (head !== start) {
        // Copies above are complete before this SC store, so the producer may reuse the space.
        Atomics.store(this.#ctl, HEAD, head | 0);
        // Take the flag *after* publishing head (pairs with the producer's flag-then-reload).
        // If the producer re-raises it between our store and this exchange, the wake-up our
        // caller sends makes it flush and raise it again, so no request is lost.
        spaceFreed = Atomics.exchange(this.#ctl, WANT_SPACE, 0) === 1;
      }
    }
    return { messages, spaceFreed };
  }

  #copyOut(start: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const data = this.#data;
    const first = Math.min(len, this.capacity - start);
    if (first < 64) {
      for (let i = 0; i < first; i++) out[i] = data[start + i] as number;
    } else {
      out.set(data.subarray(start, start + first));
    }
    if (first < len) out.set(data.subarray(0, len - first), first);
    return out;
  }
}
