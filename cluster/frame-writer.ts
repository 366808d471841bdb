/**
 * Coalesces the frames queued on one stream during an event-loop turn into a single write.
 *
 * Each native write (a TLS record, a QUIC stream write through napi) has a fixed cost that
 * dwarfs a 64-byte message; the measurements in docs/protocol.md show coalescing is worth
 * 10–40×. Frames are encoded at `push`, straight into this turn's output buffer (so an
 * oversized frame fails at the caller, and a message costs no per-frame queue entry), and
 * written in `setImmediate`, i.e. after the current I/O phase: everything the actors sent in
 * response to one batch of input leaves in one write. Order is the order of `push`.
 *
 * A writer may be created before its stream exists (a QUIC lane still opening): frames wait
 * until {@link attach}.
 *
 * @example
 * const w = new FrameWriter(conn.main);
 * w.push([FrameType.Heartbeat, 1]); w.push([FrameType.Heartbeat, 2]); // one write, next turn
 */
import {
  dataFrameBodySize,
  isDataFrame,
  putU32,
  sendPidBodySize,
  writeDataFrameBody,
  writeSendPidBody,
} from './data-frame.js';
import { FrameTooLargeError } from './errors.js';
import { encodeBody } from './frame-codec.js';
import { DEFAULT_MAX_FRAME_BYTES, type Frame } from './protocol.js';
import type { ByteStream } from './transport.js';

const HEADER = 4;
/** The first output buffer of a turn is at least this big (it grows by doubling). */
const MIN_OUTPUT = 4096;
/** ...and at most this big when sized after the last turn (a burst should not set every turn's size). */
const MAX_START = 256 * 1024;

export class FrameWriter {
  readonly maxFrameBytes: number;
  #stream: ByteStream | undefined;
  /**
   * This turn's output: length-prefixed frames in `push` order, `#at` bytes used. A fresh buffer
   * each turn: the one handed to `write` belongs to the stream from then on.
   */
  #out: Buffer | undefined;
  #at = 0;
  /** Frames in `#out` (for metrics, added to {@link frames} at flush). */
  #count = 0;
  /** The last turn's output size: the next turn starts with room for as much. */
  #lastBytes = 0;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;
  /** The stream refused more (its write returned false) and has not drained yet. */
  #blocked = false;
  #waiters: (() => void)[] = [];
  /** Frames written so far (for metrics). */
  frames = 0;

  constructor(stream: ByteStream | undefined, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
    if (stream !== undefined) this.attach(stream);
  }

  attach(stream: ByteStream): void {
    this.#stream = stream;
    stream.onDrain(() => {
      this.#blocked = false;
      this.#wake();
    });
    if (this.#at > 0) this.#schedule();
  }

  /**
   * Backpressure: true while the stream is past its high-water mark, or more than
   * `maxFrameBytes` wait for this turn's write. Senders that care await {@link whenWritable}.
   */
  get isCongested(): boolean {
    return this.#blocked || this.#at > this.maxFrameBytes;
  }

  /** Resolves once the writer is no longer congested (or closed). */
  whenWritable(): Promise<void> {
    if (!this.isCongested || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    if (this.isCongested && !this.#closed) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Room for `n` more bytes in this turn's output, growing it (by doubling) if needed. */
  #reserve(n: number): Buffer {
    const out = this.#out;
    if (out !== undefined && this.#at + n <= out.length) return out;
    let size = Math.max(MIN_OUTPUT, Math.min(this.#lastBytes, MAX_START), (out?.length ?? 0) * 2);
    while (size < this.#at + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    if (out !== undefined) out.copy(bigger, 0, 0, this.#at);
    this.#out = bigger;
    return bigger;
  }

  /** Queue a frame for this turn's write. Throws a FrameError if it is over the cap. */
  push(frame: Frame): void {
    if (this.#closed) return;
    if (isDataFrame(frame)) {
      const size = dataFrameBodySize(frame);
      if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
      const out = this.#reserve(HEADER + size);
      const at = this.#at;
      putU32(out, size, at);
      this.#at = writeDataFrameBody(frame, out, at + HEADER);
    } else {
      const body = encodeBody(frame, this.maxFrameBytes);
      const out = this.#reserve(HEADER + body.length);
      putU32(out, body.length, this.#at);
      out.set(body, this.#at + HEADER);
      this.#at += HEADER + body.length;
    }
    this.#count++;
    this.#schedule();
  }

  /**
   * Queue a SendPid frame (`[21, pid, payload]`) without building the frame array: the same
   * bytes as `push([FrameType.SendPid, pid, payload])`, on every remote message's path.
   */
  pushPid(pid: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const size = sendPidBodySize(pid, payload.length);
    if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
    const out = this.#reserve(HEADER + size);
    const at = this.#at;
    putU32(out, size, at);
    this.#at = writeSendPidBody(pid, payload, out, at + HEADER);
    this.#count++;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled === undefined && this.#stream !== undefined) {
      this.#scheduled = setImmediate(this.flush);
    }
  }

  /** Write everything queued now (also called by the scheduled turn). */
  readonly flush = (): void => {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.#stream === undefined || this.#at === 0 || this.#closed) return;
    const out = this.#out!.subarray(0, this.#at);
    this.#lastBytes = this.#at;
    this.#out = undefined;
    this.#at = 0;
    this.frames += this.#count;
    this.#count = 0;
    if (!this.#stream.write(out)) this.#blocked = true;
    this.#wake();
  };

  /** Drop anything queued and refuse further frames. */
  close(): void {
    this.#closed = true;
    this.#out = undefined;
    this.#at = 0;
    this.#count = 0;
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#wake();
  }
}
