/**
 * Coalesces the frames queued on one stream during an event-loop turn into a single write.
 *
 * Each native write (a TLS record, a QUIC stream write through napi) has a fixed cost that
 * dwarfs a 64-byte message; the measurements in docs/protocol.md show coalescing is worth
 * 10–40×. Frames are encoded at `push` (so an oversized frame fails at the caller) and written
 * in `setImmediate`, i.e. after the current I/O phase: everything the actors sent in response
 * to one batch of input leaves in one write. Order is the order of `push`.
 *
 * A writer may be created before its stream exists (a QUIC lane still opening): frames wait
 * until {@link attach}.
 *
 * @example
 * const w = new FrameWriter(conn.main);
 * w.push([FrameType.Heartbeat, 1]); w.push([FrameType.Heartbeat, 2]); // one write, next turn
 */
import { type DataFrame, dataFrameBodySize, isDataFrame, writeDataFrameBody } from './data-frame.js';
import { FrameTooLargeError } from './errors.js';
import { encodeBody } from './frame-codec.js';
import { DEFAULT_MAX_FRAME_BYTES, type Frame } from './protocol.js';

const HEADER = 4;

import type { ByteStream } from './transport.js';

export class FrameWriter {
  readonly maxFrameBytes: number;
  #stream: ByteStream | undefined;
  /** Encoded control-frame bodies, or message frames written straight into the output at flush. */
  #items: (Uint8Array | DataFrame)[] = [];
  #sizes: number[] = [];
  #bytes = 0;
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
    if (this.#items.length > 0) this.#schedule();
  }

  /**
   * Backpressure: true while the stream is past its high-water mark, or more than
   * `maxFrameBytes` wait for this turn's write. Senders that care await {@link whenWritable}.
   */
  get isCongested(): boolean {
    return this.#blocked || this.#bytes > this.maxFrameBytes;
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

  /** Queue a frame for this turn's write. Throws a FrameError if it is over the cap. */
  push(frame: Frame): void {
    if (this.#closed) return;
    let size: number;
    if (isDataFrame(frame)) {
      size = dataFrameBodySize(frame);
      if (size > this.maxFrameBytes) throw new FrameTooLargeError(size, this.maxFrameBytes);
      this.#items.push(frame);
    } else {
      const body = encodeBody(frame, this.maxFrameBytes);
      size = body.length;
      this.#items.push(body);
    }
    this.#sizes.push(size);
    this.#bytes += HEADER + size;
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
    if (this.#stream === undefined || this.#items.length === 0 || this.#closed) return;
    const items = this.#items;
    const sizes = this.#sizes;
    const out = Buffer.allocUnsafe(this.#bytes);
    this.#items = [];
    this.#sizes = [];
    this.#bytes = 0;
    let at = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      out.writeUInt32BE(sizes[i]!, at);
      at += HEADER;
      if (item instanceof Uint8Array) {
        out.set(item, at);
        at += item.length;
      } else at = writeDataFrameBody(item, out, at);
    }
    this.frames += items.length;
    if (!this.#stream.write(out)) this.#blocked = true;
    this.#wake();
  };

  /** Drop anything queued and refuse further frames. */
  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#sizes = [];
    this.#bytes = 0;
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#wake();
  }
}
