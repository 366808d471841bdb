import { expect, it } from 'vitest';
import { runScenario } from '../../bench/harness/run-scenario.js';
import { scenario } from '../../bench/scenarios/serve-http.js';
import { expectResultShape } from './result-shape.js';

it('serve-http reports requests/s against a bare node:http echo and round-trip percentiles', async () => {
  const result = await runScenario(scenario, {
    seconds: 0.05,
    settings: { ...scenario.defaults, shards: 1, concurrency: 4 },
  });
  expectResultShape(result, 'serve-http');
  const m = new Map(result.metrics.map((x) => [x.name, x]));
  expect(m.get('bare node:http echo')).toMatchObject({ unit: 'req/s', baseline: null });
  expect(m.get('wactor serve /call/echo')).toMatchObject({
    unit: 'req/s',
    baseline: { name: 'bare node:http echo' },
  });
  expect(m.get('wactor serve /call/echo')!.value).toBeGreaterThan(0);
  for (const p of ['p50', 'p99', 'p99.9']) {
    expect(m.get(`wactor serve round trip ${p}`)).toMatchObject({
      unit: 'µs',
      baseline: { name: `bare echo round trip ${p}` },
    });
  }
});

it('serve-http refuses a setting outside its rule, naming it', async () => {
  await expect(
    runScenario(scenario, { seconds: 0.05, settings: { ...scenario.defaults, concurrency: 0 } }),
  ).rejects.toThrow(/setting concurrency must be an integer >= 1, got 0/);
  await expect(
    runScenario(scenario, { seconds: 0.05, settings: { ...scenario.defaults, bytes: 65537 } }),
  ).rejects.toThrow(/setting bytes must be an integer in 1\.\.65536, got 65537/);
});
