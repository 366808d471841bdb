import { describe, expect, it } from 'vitest';
import { discoverScenarios } from '../../bench/harness/discover.js';
import { runScenario } from '../../bench/harness/run-scenario.js';
import type { BenchResult, Metric } from '../../bench/harness/scenario.js';
import {
  churnBatch,
  jsHandlerChurn,
  jsHandlerPingPong,
  versusJs,
} from '../../bench/scenarios/_wasm-bench.js';
import { rawPingPong, scenario as wasmPingpong } from '../../bench/scenarios/wasm-pingpong.js';
import { scenario as wasmSpawn } from '../../bench/scenarios/wasm-spawn.js';
import { expectResultShape } from '../bench/result-shape.js';
import { ensureGuests } from './guests.js';

// Tiny durations: what is measured and how it is reported, never how fast.
const seconds = 0.02;

function byName(result: BenchResult): Map<string, Metric> {
  return new Map(result.metrics.map((m) => [m.name, m]));
}

describe('the wasm bench scenarios and their shared helper', () => {
  it('scenario discovery skips the shared helper file but finds the wasm scenarios', async () => {
    const { scenarios, failures } = await discoverScenarios(
      new URL('../../bench/scenarios/', import.meta.url).pathname,
    );
    const names = [...scenarios.keys()];
    expect(names).toEqual(expect.arrayContaining(['wasm-live', 'wasm-pingpong', 'wasm-spawn']));
    expect(names.some((n) => n.includes('wasm-bench'))).toBe(false);
    expect(failures.filter((f) => f.message.includes('_wasm-bench'))).toEqual([]);
  });

  it('the JS handler baselines do the work they are asked for', async () => {
    const pingpong = jsHandlerPingPong();
    const churn = jsHandlerChurn(100);
    try {
      expect(await pingpong.batch(1000)).toBe(1000);
      expect(await churn.batch(250)).toBe(250);
    } finally {
      await Promise.all([pingpong.close(), churn.close()]);
    }
    let spawned = 0;
    expect(await churnBatch(() => spawned++, 7)(20)).toBe(20);
    expect(spawned).toBe(20);
    expect(versusJs('js', 'x/s', 4, { a: 2, b: 8 })).toEqual([
      { name: 'a', unit: 'x/s', value: 2, baseline: { name: 'js', value: 4 }, ratio: 0.5 },
      { name: 'b', unit: 'x/s', value: 8, baseline: { name: 'js', value: 4 }, ratio: 2 },
    ]);
  });

  it('the raw Wasm ping-pong baseline bounces every message it counts (ping reports only after all replies)', async () => {
    ensureGuests();
    for (const inflight of [1, 4]) {
      const raw = rawPingPong(inflight);
      // A batch resolves only when the ping guest sent its "done" to the report pid, which it
      // does after `rounds` replies came back; it throws otherwise.
      expect(await raw.batch(1000)).toBe(1000);
      expect(await raw.batch(3)).toBe(2 * Math.max(inflight, 2));
      await raw.close();
    }
  });

  it('wasm-pingpong reports both hosting modes against the raw guests and JS handler ping-pong', async () => {
    ensureGuests();
    const result = await runScenario(wasmPingpong, { seconds, settings: wasmPingpong.defaults });
    expectResultShape(result, 'wasm-pingpong');
    const m = byName(result);
    const raw = 'raw wasm ping-pong (same guests, no runtime, no host)';
    expect(m.get(raw)).toMatchObject({ unit: 'msgs/s', baseline: null });
    expect(m.get(raw)!.value).toBeGreaterThan(0);
    expect(m.get('js handler ping-pong')).toMatchObject({ unit: 'msgs/s', baseline: null });
    for (const mode of ['isolated', 'shared']) {
      const wasm = m.get(`wasm ping-pong (${mode})`);
      expect(wasm?.baseline?.name).toBe(raw);
      expect(wasm!.value).toBeGreaterThan(0);
      const vsJs = m.get(`wasm ping-pong (${mode}) vs JS handler`);
      expect(vsJs?.baseline?.name).toBe('js handler ping-pong');
      expect(vsJs!.value).toBe(wasm!.value);
    }
  });

  it('wasm-spawn reports every variant against raw instantiation and shared against JS handlers', async () => {
    ensureGuests();
    const result = await runScenario(wasmSpawn, { seconds, settings: wasmSpawn.defaults });
    expectResultShape(result, 'wasm-spawn');
    const m = byName(result);
    for (const variant of ['isolated, pooled', 'isolated, pool 0', 'shared']) {
      expect(m.get(`spawn+exit (${variant})`)?.baseline?.name).toBe('raw WebAssembly.Instance');
    }
    const vsJs = m.get('spawn+exit (shared) vs JS handler');
    expect(vsJs?.baseline?.name).toBe('js handler spawn+init+exit');
    expect(vsJs!.value).toBe(m.get('spawn+exit (shared)')!.value);
  });
});
