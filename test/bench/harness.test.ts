import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverScenarios } from '../../bench/harness/discover.js';
import { BenchTimeoutError } from '../../bench/harness/errors.js';
import { forceGc, isGcAvailable } from '../../bench/harness/heap.js';
import { LatencyRecorder } from '../../bench/harness/latency.js';
import { buildResult, compare, fileDate, formatTable, metric } from '../../bench/harness/result.js';
import { measureInterleaved, measureThroughput } from '../../bench/harness/throughput.js';
import { WactorError } from '../../runtime/index.js';
import { expectResultShape } from './result-shape.js';

describe('throughput timer', () => {
  it('counts every operation of a synchronous batch function', async () => {
    let done = 0;
    const t = await measureThroughput(
      (n) => {
        done += n;
      },
      { seconds: 0.02, warmupSeconds: 0 },
    );
    expect(t.ops).toBeGreaterThan(0);
    expect(t.ops).toBeLessThanOrEqual(done);
    expect(t.batches).toBeGreaterThan(0);
    expect(t.perSecond).toBeGreaterThan(0);
    expect(t.perSecond).toBeCloseTo(t.ops / (t.elapsedMs / 1000), 3);
  });

  it('counts what an asynchronous batch reports it did', async () => {
    const t = await measureThroughput(
      async (n) => {
        await new Promise((r) => setImmediate(r));
        return n * 2;
      },
      { seconds: 0.02, warmupSeconds: 0 },
    );
    expect(t.ops).toBeGreaterThan(0);
    expect(t.ops % 2).toBe(0);
  });

  it('rejects with BenchTimeoutError when a batch never settles', async () => {
    const never = measureThroughput(() => new Promise<number>(() => {}), {
      seconds: 0.02,
      batchTimeoutMs: 20,
    });
    await expect(never).rejects.toBeInstanceOf(BenchTimeoutError);
    await expect(never).rejects.toMatchObject({ code: 'WACTOR_ERR_BENCH_TIMEOUT' });
  });

  it('interleaves several subjects in slices and measures each of them', async () => {
    const calls: string[] = [];
    let timed = 0;
    const r = await measureInterleaved(
      {
        a: (n) => {
          calls.push('a');
          return n;
        },
        b: async (n) => {
          calls.push('b');
          await new Promise((resolve) => setImmediate(resolve));
          return n;
        },
      },
      { seconds: 0.03, warmupSeconds: 0, slices: 3, afterWarmup: () => (timed = calls.length) },
    );
    // After the warm-up the subjects take turns: a… b… a… b… a… b… (5 changes of subject).
    const after = calls.slice(timed);
    const changes = after.filter((c, i) => i > 0 && c !== after[i - 1]).length;
    expect(after[0]).toBe('a');
    expect(changes).toBe(5);
    for (const t of [r.a, r.b]) {
      expect(t.batches).toBeGreaterThanOrEqual(3);
      expect(t.perSecond).toBeGreaterThan(0);
    }
  });

  it('refuses a non-positive duration', async () => {
    await expect(measureThroughput(() => 1, { seconds: 0 })).rejects.toThrow(/seconds must be a positive/);
  });
});

describe('latency recorder', () => {
  it('reports p50, p99 and p999 in microseconds from nanosecond samples', () => {
    const rec = new LatencyRecorder();
    for (let i = 0; i < 990; i++) rec.recordNanos(2_000);
    for (let i = 0; i < 9; i++) rec.recordNanos(50_000);
    rec.recordNanos(1_000_000);
    const s = rec.summary();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeCloseTo(2, 2);
    expect(s.p99).toBeCloseTo(2, 2);
    expect(s.p999).toBeCloseTo(50, 0);
    expect(s.max).toBeCloseTo(1000, -1);
  });

  it('turns percentiles into separate metrics compared with a baseline recorder', () => {
    const mine = new LatencyRecorder();
    const base = new LatencyRecorder();
    for (let i = 0; i < 100; i++) {
      mine.recordNanos(4_000);
      base.recordNanos(1_000);
    }
    const metrics = mine.toMetrics('round trip', { name: 'queue round trip', recorder: base });
    expect(metrics.map((m) => m.name)).toEqual(['round trip p50', 'round trip p99', 'round trip p99.9']);
    for (const m of metrics) {
      expect(m.unit).toBe('µs');
      expect(m.baseline?.name).toMatch(/^queue round trip p/);
      expect(m.ratio).toBeCloseTo(4, 1);
    }
  });

  it('records real elapsed time with recordSince', () => {
    const rec = new LatencyRecorder();
    const t0 = rec.now();
    let x = 0;
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
    rec.recordSince(t0);
    expect(x).toBeGreaterThan(0);
    expect(rec.count).toBe(1);
    expect(rec.summary().max).toBeGreaterThanOrEqual(0);
  });
});

describe('result records', () => {
  it('computes ratio as value over baseline, and null without a usable baseline', () => {
    expect(compare('a', 'msgs/s', 30, { name: 'b', value: 10 })).toEqual({
      name: 'a',
      unit: 'msgs/s',
      value: 30,
      baseline: { name: 'b', value: 10 },
      ratio: 3,
    });
    expect(compare('a', 'msgs/s', 30, { name: 'b', value: 0 }).ratio).toBeNull();
    expect(metric('a', 'msgs/s', 1234.5678)).toEqual({
      name: 'a',
      unit: 'msgs/s',
      value: 1235,
      baseline: null,
      ratio: null,
    });
  });

  it('builds a record with machine facts and prints it as a table', () => {
    const result = buildResult(
      'demo',
      { seconds: 1, pairs: 2 },
      [metric('queue', 'msgs/s', 5e7), compare('handler', 'msgs/s', 1e7, { name: 'queue', value: 5e7 })],
      new Date('2026-01-02T03:04:05.678Z'),
    );
    expectResultShape(result, 'demo');
    expect(result.date).toBe('2026-01-02T03:04:05.678Z');
    const table = formatTable(result);
    expect(table).toContain('settings: seconds=1 pairs=2');
    expect(table).toMatch(/^handler\s+10\.0M\s+msgs\/s\s+queue\s+50\.0M\s+0\.200×$/m);
    expect(fileDate(result.date)).toBe('2026-01-02T03-04-05-678Z');
  });
});

describe('heap helpers', () => {
  it('forces a full collection without the --expose-gc flag', async () => {
    expect(isGcAvailable()).toBe(true);
    let target: object | null = { big: new Array(1000).fill(1) };
    const ref = new WeakRef(target);
    target = null;
    // A WeakRef target stays alive until the current job ends: let it end before collecting.
    await new Promise((r) => setImmediate(r));
    expect(forceGc()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});

describe('scenario discovery of compiled files', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'wactor-discover-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('loads .js modules and ignores declaration files and source maps', async () => {
    const js = `export const scenario = { name: 'plain-js', description: 'd', defaults: {}, async run() { return []; } };\n`;
    await writeFile(path.join(tmp, 'plain-js.js'), js);
    await writeFile(path.join(tmp, 'plain-js.d.ts'), 'export declare const scenario: unknown;\n');
    await writeFile(path.join(tmp, 'plain-js.js.map'), '{}');
    const found = await discoverScenarios(tmp);
    expect(found.failures).toEqual([]);
    expect([...found.scenarios.keys()]).toEqual(['plain-js']);
  });

  it('reports two files claiming the same scenario name', async () => {
    const js = `export const scenario = { name: 'twin', description: 'd', defaults: {}, async run() { return []; } };\n`;
    await writeFile(path.join(tmp, 'a.js'), js);
    await writeFile(path.join(tmp, 'b.js'), js);
    const found = await discoverScenarios(tmp);
    expect([...found.scenarios.keys()]).toEqual(['twin']);
    expect(found.failures).toHaveLength(1);
    expect(found.failures[0]).toBeInstanceOf(WactorError);
    expect(found.failures[0]!.message).toContain('"twin" is already used');
  });
});
