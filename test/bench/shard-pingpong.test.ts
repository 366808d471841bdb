import { describe, expect, it } from 'vitest';
import { runScenario } from '../../bench/harness/run-scenario.js';
import type { Metric } from '../../bench/harness/scenario.js';
import { scenario } from '../../bench/scenarios/shard-pingpong.js';
import { expectResultShape } from './result-shape.js';

// Shards and the lean pair load compiled JS from dist/: `npm run build:ts` first. Tiny durations:
// this checks what is measured and against what, never how fast.
describe('shard-pingpong scenario', () => {
  it('reports scheduler rings and lean rings against postMessage, and the scheduler against lean rings', async () => {
    const result = await runScenario(scenario, {
      seconds: 0.02,
      settings: { ...scenario.defaults, inflight: 32, latencyRounds: 50 },
    });
    expectResultShape(result, 'shard-pingpong');
    const m = new Map<string, Metric>(result.metrics.map((x) => [x.name, x]));
    const lean = m.get('lean rings, JS ping/pong, 32 in flight');
    const rings = m.get('rings, Wasm ping/pong, 32 in flight');
    const gap = m.get('rings, Wasm ping/pong vs lean rings, 32 in flight');
    for (const metric of [lean, rings]) {
      expect(metric?.unit).toBe('msgs/s');
      expect(metric?.baseline?.name).toBe('postMessage, 32 in flight');
    }
    expect(gap?.baseline).toEqual({ name: 'lean rings, JS ping/pong, 32 in flight', value: lean?.value });
    expect(gap?.value).toBe(rings?.value);
    expect(gap?.ratio).toBeCloseTo(rings!.value / lean!.value, 3);
  });
});
