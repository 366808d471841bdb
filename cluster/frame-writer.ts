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
import { encodeBody, joinBodies } from './frame-codec.js';
import { DEFAULT_MAX_FRAME_BYTES, type Frame } from './protocol.js';
import type { ByteStream } from './transport.js';

export class FrameWriter {
  readonly maxFrameBytes: number;
  #stream: ByteStream | undefined;
  #bodies: Uint8Array[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;
  /** Frames written so far (for metrics). */
  frames = 0;

  constructor(stream: ByteStream | undefined, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.#stream = stream;
    this.maxFrameBytes = maxFrameBytes;
  }

  attach(stream: ByteStream): void {
    this.#stream = stream;
    if (this.#bodies.length > 0) this.#schedule();
  }

  /** Queue a frame for this turn's write. Throws a FrameError if it is over the cap. */
  push(frame: Frame): void {
    if (this.#closed) return;
    this.#bodies.push(encodeBody(frame, this.maxFrameBytes));
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
    if (this.#stream === undefined || this.#bodies.length === 0 || this.#closed) return;
    const bodies = this.#bodies;
    this.#bodies = [];
    this.frames += bodies.length;
    this.#stream.write(joinBodies(bodies));
  };

  /** Drop anything queued and refuse further frames. */
  close(): void {
    this.#closed = true;
    this.#bodies = [];
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
  }
}
