/**
 * Length-prefixed msgpack frames: `[u32 big-endian body length][msgpack body]`.
 *
 * The decoder accepts a byte stream cut anywhere (TCP and QUIC deliver arbitrary chunks) and
 * yields whole frames in order. Every body length is checked against a cap before any byte of
 * the body is buffered, so a hostile length cannot make the node allocate; any malformed input
 * surfaces as a {@link FrameError} and nothing else.
 *
 * @example
 * const bytes = encodeFrame([FrameType.Heartbeat, 1]);
 * const dec = new FrameDecoder();
 * dec.push(bytes.subarray(0, 3)); // → []
 * dec.push(bytes.subarray(3));    // → [[4, 1]]
 */
import { Packr, Unpackr } from 'msgpackr';
import { readDataFrame } from './data-frame.js';
import { FrameError, FrameTooLargeError, MalformedFrameError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, type Frame, validateFrame } from './protocol.js';

const HEADER = 4;

// Records (msgpackr's shared-structure extension) are off: frames are plain arrays, and a peer
// must not be able to define structures that change how later frames decode.
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Encode a frame's body (no length prefix). Throws {@link FrameTooLargeError} past `maxFrameBytes`. */
export function encodeBody(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const body = packr.pack(frame) as Uint8Array;
  if (body.length > maxFrameBytes) throw new FrameTooLargeError(body.length, maxFrameBytes);
  return body;
}

/** Concatenate encoded bodies into one buffer of length-prefixed frames (one write for many frames). */
export function joinBodies(bodies: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const b of bodies) total += HEADER + b.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const b of bodies) {
    out.writeUInt32BE(b.length, at);
    out.set(b, at + HEADER);
    at += HEADER + b.length;
  }
  return out;
}

/** Encode one frame with its length prefix. */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  return joinBodies([encodeBody(frame, maxFrameBytes)]);
}

/** Decode one frame body (no prefix); throws a {@link FrameError} if it is not a valid frame. */
export function decodeBody(body: Uint8Array): Frame {
  let value: unknown;
  try {
    value = unpackr.unpack(body);
  } catch (err) {
    throw new MalformedFrameError(`frame body is not valid msgpack (${(err as Error)?.message ?? err})`, {
      cause: err,
    });
  }
  return validateFrame(value);
}

function concat(chunks: readonly Uint8Array[], total: number): Buffer {
  if (chunks.length === 1) {
    const c = chunks[0]!;
    return Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Incremental decoder for one ordered byte stream. After it throws once it stays failed: the
 * stream's framing is lost, so its owner must close the link.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Bytes the pending data must reach before another frame can complete. */
  #need = HEADER;
  #failed: FrameError | undefined;

  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.#pendingBytes;
  }

  /** Feed a chunk; returns the frames it completed, in order. Throws a {@link FrameError}. */
  push(chunk: Uint8Array): Frame[] {
    const out: Frame[] = [];
    this.pushTo(chunk, out);
    return out;
  }

  /** Like {@link push}, appending to `out` (frames decoded before an error stay in `out`). */
  pushTo(chunk: Uint8Array, out: Frame[]): void {
    if (this.#failed) throw this.#failed;
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    // Wait (without copying) until enough bytes for the next header or body have arrived.
    if (this.#pendingBytes < this.#need) return;
    const buf = concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    let at = 0;
    try {
      for (;;) {
        const left = buf.length - at;
        if (left < HEADER) {
          this.#need = HEADER;
          break;
        }
        const len = ((buf[at]! << 24) >>> 0) + (buf[at + 1]! << 16) + (buf[at + 2]! << 8) + buf[at + 3]!;
        if (len === 0 || len > this.maxFrameBytes) throw new FrameTooLargeError(len, this.maxFrameBytes);
        if (left < HEADER + len) {
          this.#need = HEADER + len;
          break;
        }
        const start = at + HEADER;
        out.push(readDataFrame(buf, start, start + len) ?? decodeBody(buf.subarray(start, start + len)));
        at += HEADER + len;
      }
    } catch (err) {
      this.#failed = err instanceof FrameError ? err : new MalformedFrameError(String(err), { cause: err });
      throw this.#failed;
    }
    if (at < buf.length) {
      this.#pending.push(buf.subarray(at));
      this.#pendingBytes = buf.length - at;
    }
  }
}
