import { describe, expect, it } from 'vitest';
import { PhiAccrualDetector, resolveDetectorOptions } from '../../cluster/failure-detector.js';
import { claimWins, GlobalRegistry } from '../../cluster/global-registry.js';

function regular(interval: number, beats: number, opts = {}): PhiAccrualDetector {
  const fd = new PhiAccrualDetector({ heartbeatInterval: interval, ...opts }, 0);
  for (let i = 1; i <= beats; i++) fd.heartbeat(i * interval);
  return fd;
}

describe('PhiAccrualDetector', () => {
  it('suspicion grows with silence and crosses the threshold', () => {
    const fd = regular(100, 50, { acceptablePause: 300, minStdDev: 50 });
    const last = 5000;
    expect(fd.phi(last + 100)).toBeLessThan(1);
    expect(fd.phi(last + 600)).toBeGreaterThan(fd.phi(last + 400));
    expect(fd.isAvailable(last + 200)).toBe(true);
    expect(fd.isAvailable(last + 2000)).toBe(false);
  });

  it('gives an irregular peer a wider margin than a regular one', () => {
    const steady = regular(100, 50, { acceptablePause: 100, minStdDev: 10 });
    const jittery = new PhiAccrualDetector(
      { heartbeatInterval: 100, acceptablePause: 100, minStdDev: 10 },
      0,
    );
    let t = 0;
    for (let i = 0; i < 50; i++) jittery.heartbeat((t += i % 2 ? 20 : 180));
    expect(jittery.phi(t + 450)).toBeLessThan(steady.phi(5000 + 450));
  });

  it('declares down after maxSilence whatever the history says', () => {
    const fd = regular(100, 10, { acceptablePause: 100_000, maxSilence: 1000 });
    expect(fd.phi(1000 + 999)).toBeLessThan(8);
    expect(fd.isAvailable(1000 + 999)).toBe(true);
    expect(fd.isAvailable(1000 + 1000)).toBe(false);
  });

  it('validates its options, naming the bad one', () => {
    expect(() => resolveDetectorOptions({ threshold: 0 })).toThrow(
      /failureDetector.threshold must be a positive/,
    );
  });
});

describe('GlobalRegistry', () => {
  it('converges on the same owner whatever order conflicting claims arrive in', () => {
    const a = new GlobalRegistry('gamma');
    const b = new GlobalRegistry('delta');
    a.claim('x', 'beta', 2048);
    a.claim('x', 'alpha', 1024);
    b.claim('x', 'alpha', 1024);
    b.claim('x', 'beta', 2048);
    expect(a.get('x')).toEqual({ node: 'alpha', pid: 1024 });
    expect(b.get('x')).toEqual(a.get('x'));
    expect(claimWins('alpha', 'beta')).toBe(true);
  });

  it('reports the displaced claim and prunes a node’s names', () => {
    const r = new GlobalRegistry('beta');
    r.claim('x', 'beta', 2048);
    r.claim('y', 'beta', 3072);
    expect(r.claim('x', 'alpha', 1024)).toEqual({ accepted: true, displaced: { node: 'beta', pid: 2048 } });
    expect(r.owned()).toEqual([['y', 3072]]);
    expect(r.prune('beta')).toEqual(['y']);
    expect(r.release('x', 'beta')).toBeUndefined();
    expect(r.release('x', 'alpha', 1024)).toEqual({ node: 'alpha', pid: 1024 });
  });
});
