import { describe, expect, it } from 'vitest';
import { runScenario } from '../../bench/harness/run-scenario.js';
import type { BenchResult, Metric } from '../../bench/harness/scenario.js';
import { scenario as pingpong } from '../../bench/scenarios/pingpong.js';
import { scenario as restart } from '../../bench/scenarios/restart.js';
import { scenario as spawn } from '../../bench/scenarios/spawn.js';
import { expectResultShape } from './result-shape.js';

// Tiny durations: these tests check what is measured and how it is reported, never how fast.
const seconds = 0.02;

function byName(result: BenchResult): Map<string, Metric> {
  return new Map(result.metrics.map((m) => [m.name, m]));
}

function expectCompared(m: Metric | undefined, unit: string, baseline: string): void {
  expect(m).toBeDefined();
  expect(m!.unit).toBe(unit);
  expect(m!.value).toBeGreaterThan(0);
  expect(m!.baseline?.name).toBe(baseline);
  expect(m!.ratio).toBeGreaterThan(0);
}

describe('bench scenarios', () => {
  it('pingpong reports handler and receive-loop throughput against the queue loop and xstate', async () => {
    const result = await runScenario(pingpong, { seconds, settings: { ...pingpong.defaults, pairs: 3 } });
    expectResultShape(result, 'pingpong');
    expect(result.settings).toMatchObject({ seconds, pairs: 3, xstateMachine: true, latency: true });
    const m = byName(result);
    for (const base of ['plain queue loop', 'xstate v5 fromCallback', 'xstate v5 createMachine']) {
      expect(m.get(base)).toMatchObject({ unit: 'msgs/s', baseline: null, ratio: null });
      expect(m.get(base)!.value).toBeGreaterThan(0);
    }
    for (const style of ['handler', 'receive-loop']) {
      expectCompared(m.get(`${style} pingpong vs queue loop`), 'msgs/s', 'plain queue loop');
      expectCompared(m.get(`${style} pingpong vs xstate callback`), 'msgs/s', 'xstate v5 fromCallback');
      expectCompared(m.get(`${style} pingpong vs xstate machine`), 'msgs/s', 'xstate v5 createMachine');
    }
  });

  it('pingpong reports round-trip latency percentiles as separate µs metrics', async () => {
    const result = await runScenario(pingpong, {
      seconds,
      settings: { ...pingpong.defaults, xstateMachine: false },
    });
    const m = byName(result);
    expect(m.has('handler pingpong vs xstate machine')).toBe(false);
    for (const style of ['handler', 'receive-loop']) {
      for (const p of ['p50', 'p99', 'p99.9']) {
        const metric = m.get(`${style} round trip ${p}`);
        expect(metric?.unit).toBe('µs');
        expect(metric?.baseline?.name).toBe(`queue loop round trip ${p}`);
      }
      expect(m.get(`${style} round trip p50`)!.value).toBeLessThanOrEqual(
        m.get(`${style} round trip p99.9`)!.value,
      );
    }
  });

  it('spawn reports churn against xstate and heap per idle process', async () => {
    const result = await runScenario(spawn, { seconds, settings: { idle: 20_000, xstateIdle: 2_000 } });
    expectResultShape(result, 'spawn');
    const m = byName(result);
    expectCompared(m.get('spawn+exit churn'), 'spawns/s', 'xstate v5 create+start+stop');
    expectCompared(m.get('spawn+init+self-exit churn'), 'spawns/s', 'xstate v5 create+start+stop');
    expectCompared(m.get('idle handler process heap'), 'bytes', 'xstate v5 idle actor heap');
    expect(m.get('heap for 20000 idle processes')?.unit).toBe('MiB');
    expect(m.get('20000 idle processes fit in 1 GiB heap')?.value).toBe(1);
    expect(m.get('idle spawn rate (until all started)')!.value).toBeGreaterThan(0);
  });

  it('restart reports supervised restarts against the plain try/catch loop', async () => {
    const result = await runScenario(restart, { seconds, settings: { children: 3 } });
    expectResultShape(result, 'restart');
    const m = byName(result);
    expectCompared(
      m.get('supervised restarts, fresh Error'),
      'restarts/s',
      'plain try/catch loop, fresh Error',
    );
    expectCompared(
      m.get('supervised restarts, pre-built Error'),
      'restarts/s',
      'plain try/catch loop, pre-built Error',
    );
  });

  it('scenarios refuse a setting outside their rule, naming it', async () => {
    await expect(
      runScenario(pingpong, { seconds, settings: { ...pingpong.defaults, pairs: 0 } }),
    ).rejects.toThrow('setting pairs must be an integer >= 1, got 0');
    await expect(runScenario(spawn, { seconds, settings: { idle: 1.5, xstateIdle: 10 } })).rejects.toThrow(
      'setting idle must be an integer >= 1, got 1.5',
    );
    await expect(runScenario(restart, { seconds, settings: { children: -1 } })).rejects.toMatchObject({
      code: 'WACTOR_ERR_BENCH_ARGUMENT',
      message: 'setting children must be an integer >= 1, got -1',
    });
  });
});
