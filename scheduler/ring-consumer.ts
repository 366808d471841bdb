/**
 * The reading end of a ring (see ring.ts for the layout, the index ownership and the memory
 * ordering): batched consumption, reassembly of chunked messages, the head split.
 */
import type { ByteViews } from '../wasm-actors/local-bytes.js';
import {
  HEAD,
  LEN_MASK,
  MORE,
  PID_RECORD,
  RING_HEADER_BYTES,
  TAIL,
  views,
  WANT_SPACE,
} from './ring-layout.js';

/**
 * Takes a pid record's body in place: `len` bytes at `start` of `ring` (the ring's data area,
 * contiguous: never wrapping). Valid only during the call — the producer may reuse the space once
 * the read returns. Returns false to have the body copied out for `onPid` instead.
 */
export type TakePid = (pid: number, ring: ByteViews, start: number, len: number) => boolean;

/** Scratch for joining two 32-bit words into a pid (f64). */
const pidF64 = new Float64Array(1);
const pidU32 = new Uint32Array(pidF64.buffer);

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
  /** The data area as {@link ByteViews} (what a {@link TakePid} reads from). */
  readonly #view: ByteViews;

  constructor(sab: SharedArrayBuffer) {
    const v = views(sab);
    this.capacity = v.capacity;
    this.#ctl = v.ctl;
    this.#data = v.data;
    this.#words = v.words;
    this.#mask = v.mask;
    this.#view = {
      u8: v.data,
      i32: new Int32Array(sab, RING_HEADER_BYTES, v.capacity / 4),
      dv: new DataView(sab, RING_HEADER_BYTES, v.capacity),
    };
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
   *
   * Pid records (written by `RingProducer.trySendPid`) go to `onPid(pid, bytes)`; without an
   * `onPid` they reach `onMessage` as their whole payload (pid words included). With `takePid`,
   * a pid record whose body does not wrap around the end of the ring is first offered in place
   * (no fresh array): only if `takePid` returns false is it copied out for `onPid`.
   */
  read(
    onMessage: (bytes: Uint8Array, head: Uint8Array) => void,
    max = Number.POSITIVE_INFINITY,
    split = 0,
    onPid?: (pid: number, bytes: Uint8Array) => void,
    takePid?: TakePid,
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
        if ((header & PID_RECORD) !== 0 && onPid !== undefined) {
          pidU32[0] = words[at >>> 2] as number;
          pidU32[1] = words[((at + 4) & mask) >>> 2] as number;
          const from = (at + 8) & mask;
          const n = len - 8;
          head = (head + 4 + ((len + 3) & ~3)) >>> 0;
          messages++;
          this.#received++;
          // Advanced before the callback so a throwing callback does not replay. The bytes stay
          // valid through `takePid`: the producer cannot reuse them before the HEAD store below.
          this.#head = head;
          const pid = pidF64[0] as number;
          // `from` is 4-aligned (records are), which the word reads of a taker may rely on.
          if (takePid === undefined || from + n > this.capacity || !takePid(pid, this.#view, from, n)) {
            onPid(pid, this.#copyOutWords(from, n));
          }
          continue;
        }
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

  /** {@link #copyOut} for a 4-aligned `start`: small payloads read as whole words. */
  #copyOutWords(start: number, len: number): Uint8Array {
    if (len > 64) return this.#copyOut(start, len);
    const out = new Uint8Array(len);
    const words = this.#words;
    const wmask = this.#mask >>> 2;
    let w = start >>> 2;
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const v = words[w] as number;
      out[i] = v;
      out[i + 1] = v >>> 8;
      out[i + 2] = v >>> 16;
      out[i + 3] = v >>> 24;
      w = (w + 1) & wmask;
    }
    if (i < len) {
      const v = words[w] as number;
      for (let shift = 0; i < len; i++, shift += 8) out[i] = v >>> shift;
    }
    return out;
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
