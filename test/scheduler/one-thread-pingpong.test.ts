import { afterEach, describe, expect, it } from 'vitest';
import { type OneThreadPingPong, oneThreadPingPong } from '../../bench/scheduler/one-thread-pingpong.js';

let pp: OneThreadPingPong | undefined;
afterEach(async () => {
  await pp?.close();
  pp = undefined;
});

describe('one-thread scheduler ping-pong (the CPU-per-message instrument)', () => {
  it('completes batches through both shards and reports a positive CPU time per message', async () => {
    pp = await oneThreadPingPong();
    // Each batch resolves only when ping got all its replies back through the rings.
    const first = await pp.batch(2000, 256);
    const second = await pp.batch(500, 1);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    expect(Number.isFinite(first) && Number.isFinite(second)).toBe(true);
  });
});
