import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ByteViews,
  copyBytes,
  drainLocal,
  LOCAL_MAX,
  takeLocal,
} from '../../wasm-actors/local-bytes.js';

const views = (u8: Uint8Array): ByteViews => ({
  u8,
  i32: new Int32Array(u8.buffer, 0, u8.length >> 2),
  dv: new DataView(u8.buffer),
});

/** Two "linear memories" with random contents. */
function memories(seed: number): [Uint8Array, Uint8Array] {
  const a = new Uint8Array(1024);
  const b = new Uint8Array(1024);
  for (let i = 0; i < a.length; i++) {
    a[i] = (i * 131 + seed) & 0xff;
    b[i] = (i * 71 + seed * 3) & 0xff;
  }
  return [a, b];
}

/** Offsets into a 1024-byte memory: word-aligned half of the time (the Int32Array path). */
const offset = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map((w) => w * 4),
  fc.integer({ min: 0, max: 400 }),
);

/** `dst` holds `want` at `at` and is otherwise as `before`: exactly that range was written. */
function onlyRangeWritten(dst: Uint8Array, before: Uint8Array, at: number, want: Uint8Array): boolean {
  for (let i = 0; i < dst.length; i++) {
    if (dst[i] !== (i >= at && i < at + want.length ? want[i - at] : before[i])) return false;
  }
  return true;
}

describe('local-bytes: the pooled same-host message path', () => {
  it('copyBytes copies exactly len bytes between any offsets (aligned or not) and touches nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        offset,
        offset,
        fc.integer({ min: 0, max: 255 }),
        (len, from, to, seed) => {
          const [src, dst] = memories(seed);
          const before = dst.slice();
          copyBytes(views(src), from, views(dst), to, len);
          return onlyRangeWritten(dst, before, to, src.subarray(from, from + len));
        },
      ),
    );
  });

  it('take then drain delivers the sender bytes (every length up to LOCAL_MAX, aligned and not)', () => {
    const [src, dst] = memories(7);
    const sdv = views(src);
    const ddv = views(dst);
    for (let len = 0; len <= LOCAL_MAX; len++) {
      const from = 3 + (len % 5);
      const m = takeLocal(sdv, from, len);
      // The sender may overwrite its buffer as soon as the import returns.
      src.fill(0xee, from, from + len);
      const at = len % 2 === 0 ? 500 : 501;
      expect(drainLocal(m, ddv, at)).toBe(len);
      const expected = new Uint8Array(len);
      for (let i = 0; i < len; i++) expected[i] = ((from + i) * 131 + 7) & 0xff;
      expect(dst.subarray(at, at + len)).toEqual(expected);
      expect(dst[at + len]).toBe(((at + len) * 71 + 21) & 0xff);
      for (let i = from; i < from + len; i++) src[i] = (i * 131 + 7) & 0xff;
    }
  });

  it('take then drain is exact for small and large messages, any alignment, touching nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        offset,
        offset,
        fc.integer({ min: 0, max: 255 }),
        (len, from, to, seed) => {
          const [src, dst] = memories(seed);
          const before = dst.slice();
          const expected = src.slice(from, from + len);
          const m = takeLocal(views(src), from, len);
          src.fill(0, from, from + len);
          if (m.toBytes().join() !== expected.join()) return false;
          drainLocal(m, views(dst), to);
          return onlyRangeWritten(dst, before, to, expected);
        },
      ),
    );
  });

  it('a pooled buffer is reused and toBytes returns a detached copy of only its bytes', () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const m = takeLocal(views(src), 2, 5);
    const copy = m.toBytes();
    expect(copy).toEqual(new Uint8Array([3, 4, 5, 6, 7]));
    drainLocal(m, views(new Uint8Array(8)), 0);
    expect(takeLocal(views(src), 0, 1)).toBe(m);
    expect(copy).toEqual(new Uint8Array([3, 4, 5, 6, 7]));
  });
});
