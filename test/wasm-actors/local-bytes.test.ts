import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyWords, drainLocal, LOCAL_MAX, takeLocal } from '../../wasm-actors/local-bytes.js';

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

describe('local-bytes: the pooled same-host message path', () => {
  it('copyWords copies exactly len bytes between any offsets and touches nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 255 }),
        (len, from, to, seed) => {
          const [src, dst] = memories(seed);
          const before = dst.slice();
          copyWords(new DataView(src.buffer), from, new DataView(dst.buffer), to, len);
          for (let i = 0; i < dst.length; i++) {
            const want = i >= to && i < to + len ? src[from + i - to] : before[i];
            if (dst[i] !== want) return false;
          }
          return true;
        },
      ),
    );
  });

  it('take then drain delivers the sender bytes (every length up to LOCAL_MAX, unaligned)', () => {
    const [src, dst] = memories(7);
    const sdv = new DataView(src.buffer);
    const ddv = new DataView(dst.buffer);
    for (let len = 0; len <= LOCAL_MAX; len++) {
      const from = 3 + (len % 5);
      const m = takeLocal(sdv, from, len);
      // The sender may overwrite its buffer as soon as the import returns.
      src.fill(0xee, from, from + len);
      expect(drainLocal(m, ddv, 501)).toBe(len);
      const expected = new Uint8Array(len);
      for (let i = 0; i < len; i++) expected[i] = ((from + i) * 131 + 7) & 0xff;
      expect(dst.subarray(501, 501 + len)).toEqual(expected);
      for (let i = from; i < from + len; i++) src[i] = (i * 131 + 7) & 0xff;
    }
  });

  it('a pooled buffer is reused and toBytes returns a detached copy of only its bytes', () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const m = takeLocal(new DataView(src.buffer), 2, 5);
    const copy = m.toBytes();
    expect(copy).toEqual(new Uint8Array([3, 4, 5, 6, 7]));
    drainLocal(m, new DataView(new ArrayBuffer(8)), 0);
    expect(takeLocal(new DataView(src.buffer), 0, 1)).toBe(m);
    expect(copy).toEqual(new Uint8Array([3, 4, 5, 6, 7]));
  });
});
