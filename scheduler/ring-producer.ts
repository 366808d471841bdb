/**
 * The writing end of a ring (see ring.ts for the layout, the index ownership and the memory
 * ordering). Batched publication, chunking, and the local overflow queue live here.
 */
import { RingOptionError } from './errors.js';
import { HEAD, MORE, PID_RECORD, TAIL, views, WANT_SPACE } from './ring-layout.js';

/** Scratch for splitting a pid (f64) into two 32-bit words (per thread: module state). */
const pidF64 = new Float64Array(1);
const pidU32 = new Uint32Array(pidF64.buffer);

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
    this.#mask = v.mask;
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
   * The hot path: write `body` for target `pid` as one pid record (header word, the pid as two
   * words, the bytes) when that can happen right now — nothing queued ahead of it (order), small
   * enough for one record, room in the ring. Returns false otherwise and writes nothing; the
   * caller then sends the message the generic way (which queues it behind a full ring).
   */
  trySendPid(pid: number, body: Uint8Array): boolean {
    return this.trySendPidRange(pid, body, 0, body.length);
  }

  /**
   * {@link trySendPid} of `src[start, end)` — bytes copied straight from the caller's memory (a
   * Wasm guest's) into the ring, with no intermediate array. The caller may reuse `src` at once.
   * Same contract: false means nothing was written.
   */
  trySendPidRange(pid: number, src: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    const len = n + 8;
    if (this.#queue.length !== this.#queueStart || len > this.maxChunk || !this.#hasRoom(len)) return false;
    const mask = this.#mask;
    const words = this.#words;
    const pos = this.#tail & mask;
    pidF64[0] = pid;
    words[pos >>> 2] = PID_RECORD | len;
    words[((pos + 4) & mask) >>> 2] = pidU32[0] as number;
    words[((pos + 8) & mask) >>> 2] = pidU32[1] as number;
    if (n <= 64) {
      // Small bodies as whole words: the payload starts 4-aligned and its padding to 4 bytes is
      // ours to fill, so the last partial word may carry zeros. A quarter of the stores of a byte
      // loop into the shared buffer.
      const wmask = mask >>> 2;
      let w = ((pos + 12) & mask) >>> 2;
      let i = start;
      for (; i + 4 <= end; i += 4) {
        words[w] =
          ((src[i] as number) |
            ((src[i + 1] as number) << 8) |
            ((src[i + 2] as number) << 16) |
            ((src[i + 3] as number) << 24)) >>>
          0;
        w = (w + 1) & wmask;
      }
      if (i < end) {
        let last = 0;
        for (let shift = 0; i < end; i++, shift += 8) last |= (src[i] as number) << shift;
        words[w] = last >>> 0;
      }
    } else this.#copyIn(src, start, n, (pos + 12) & mask);
    this.#tail = (this.#tail + 4 + ((len + 3) & ~3)) >>> 0;
    this.#accepted++;
    return true;
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
