import { afterEach, describe, expect, it } from 'vitest';
import { type LeanRingPair, leanRingPair } from '../../bench/scheduler/lean-ring.js';

// The lean ring ping-pong runs compiled JS in its workers: `npm run build:ts` first.
let pair: LeanRingPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe('lean ring ping-pong (the shard-pingpong floor)', () => {
  it('delivers every reply exactly once across batches, with the spin on', async () => {
    pair = leanRingPair({ spinMicros: 20 });
    expect(await pair.throughput(5000, 256)).toBe(5000);
    expect(await pair.throughput(3000, 16)).toBe(8000);
  });

  it('still completes when the ring is too small for everything in flight (sends wait and retry)', async () => {
    // 128 data bytes hold five 24-byte records (and allow a 32-byte record, the 20-byte one
    // fits): most of the 256 sends find the ring full.
    pair = leanRingPair({ ringBytes: 128 });
    expect(await pair.throughput(2000, 256)).toBe(2000);
    expect(await pair.throughput(1, 1)).toBe(2001);
  });
});
