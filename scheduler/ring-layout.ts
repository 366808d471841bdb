/**
 * The shared layout of a ring (see ring.ts): control-word indices, record header bits, and the
 * typed-array views both ends build over the SharedArrayBuffer.
 */
import { RingOptionError } from './errors.js';

export const HEAD = 0; // Int32 index of head (byte offset 0)
export const TAIL = 16; // byte offset 64
export const WANT_SPACE = 32; // byte offset 128
/** Bytes of header before the data area. */
export const RING_HEADER_BYTES = 256;
export const MORE = 0x80000000;
/**
 * Header bit 30: a *pid record* — the payload starts with a target pid (f64, as two 32-bit words)
 * followed by the message bytes. The scheduler's hot path (a `Uint8Array` to one pid) writes these
 * with word stores and no separate head (see `RingProducer.trySendPid`); never chunked.
 */
export const PID_RECORD = 0x40000000;
export const LEN_MASK = 0x3fffffff;

/**
 * True when `value` is an integer power of two in `lo..hi`: ring sizes must be (offsets are masked
 * with `size - 1`). Shared by `createRing`, {@link views} and the scheduler's `ringBytes` option.
 */
export function isPowerOfTwoIn(value: unknown, lo: number, hi: number): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= lo &&
    value <= hi &&
    (value & (value - 1)) === 0
  );
}

/** Typed views over a ring's buffer, and its index mask; throws if `createRing` did not make it. */
export function views(sab: SharedArrayBuffer): {
  ctl: Int32Array;
  data: Uint8Array;
  words: Uint32Array;
  capacity: number;
  /** `capacity - 1`: a byte index masked with it stays inside the data area. */
  mask: number;
} {
  const capacity = sab.byteLength - RING_HEADER_BYTES;
  if (!isPowerOfTwoIn(capacity, 64, 2 ** 30)) {
    throw new RingOptionError('the SharedArrayBuffer was not made by createRing (bad size)');
  }
  return {
    ctl: new Int32Array(sab, 0, RING_HEADER_BYTES / 4),
    data: new Uint8Array(sab, RING_HEADER_BYTES, capacity),
    words: new Uint32Array(sab, RING_HEADER_BYTES, capacity / 4),
    capacity,
    mask: capacity - 1,
  };
}
