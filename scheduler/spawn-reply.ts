/**
 * The reply cell of a synchronous spawn: `Scheduler.spawn` must return a pid synchronously, but
 * the pid is minted by the shard's runtime (after importing the module if needed). The main
 * thread writes the request into the ring and blocks in `Atomics.wait` on this cell, in slices so
 * its watchdog keeps running; the shard writes the answer here and notifies.
 *
 * Layout: Int32 `seq` (id of the answered request), Int32 `status` (1 ok, 2 error), Float64 pid,
 * Int32 message length, then up to 1000 bytes of `code\nmessage` (UTF-8).
 *
 * The main thread's synchronous `isAlive` of a shard pid uses the same cell: the answer is written
 * as the pid field, 1 (alive) or 0.
 *
 * Why a cell and not a ring record: the main thread would otherwise have to process other
 * threads' records while user code is in the middle of `spawn()`. The main thread has at most one
 * synchronous request outstanding (it is blocked), so one cell per shard is enough.
 */
import type { Pid } from '../runtime/types.js';
import type { WireError } from './protocol.js';

const SEQ = 0;
const STATUS = 1;
const TEXT = 24;
const MAX_TEXT = 1000;

export function createReplyBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(TEXT + MAX_TEXT);
}

export class SpawnReplyCell {
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;
  constructor(sab: SharedArrayBuffer) {
    this.#i32 = new Int32Array(sab, 0, 4);
    this.#f64 = new Float64Array(sab, 8, 1);
    this.#u8 = new Uint8Array(sab, TEXT);
  }

  /** Shard side: answer request `seq`. The payload is written before the SC store of `seq`. */
  write(seq: number, pid: Pid | undefined, error: WireError | undefined): void {
    if (error !== undefined) {
      const bytes = new TextEncoder().encode(`${error.code}\n${error.message}`).subarray(0, MAX_TEXT - 4);
      this.#u8.set(bytes, 4);
      new DataView(this.#u8.buffer, TEXT).setInt32(0, bytes.length, true);
      this.#i32[STATUS] = 2;
    } else {
      this.#f64[0] = pid as number;
      this.#i32[STATUS] = 1;
    }
    Atomics.store(this.#i32, SEQ, seq);
    Atomics.notify(this.#i32, SEQ);
  }

  /** Main side: the current answered seq. */
  get seq(): number {
    return Atomics.load(this.#i32, SEQ);
  }

  /** Main side: block up to `ms` for the seq to change from `seen`. */
  wait(seen: number, ms: number): void {
    Atomics.wait(this.#i32, SEQ, seen, ms);
  }

  /** Main side: read the answer (after `seq` showed it). */
  read(): { pid: Pid } | { error: WireError } {
    if (this.#i32[STATUS] === 1) return { pid: this.#f64[0] as number };
    const len = new DataView(this.#u8.buffer, TEXT).getInt32(0, true);
    const text = new TextDecoder().decode(this.#u8.slice(4, 4 + len));
    const nl = text.indexOf('\n');
    return { error: { code: text.slice(0, nl), message: text.slice(nl + 1) } };
  }
}
