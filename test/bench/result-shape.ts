import { expect } from 'vitest';

/**
 * Assert the result record shape of issue 2:
 * `{ scenario, date, node, cpus, settings, metrics: [{ name, unit, value, baseline, ratio }] }`,
 * with every value and baseline positive and every ratio equal to value / baseline.
 */
export function expectResultShape(result: unknown, scenario: string): void {
  expect(result).toMatchObject({
    scenario,
    date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    node: process.version,
    cpus: expect.any(Number),
    settings: expect.any(Object),
    metrics: expect.any(Array),
    machine: { cpuModel: expect.any(String), arch: process.arch },
  });
  const r = result as { cpus: number; metrics: unknown[] };
  expect(r.cpus).toBeGreaterThan(0);
  expect(r.metrics.length).toBeGreaterThan(0);
  for (const m of r.metrics) expectMetricShape(m);
  expect(r.metrics.some((m) => (m as { baseline: unknown }).baseline !== null)).toBe(true);
}

/** One metric: name, unit, a finite non-negative value, and a baseline with ratio or both null. */
export function expectMetricShape(m: unknown): void {
  expect(Object.keys(m as object).sort()).toEqual(['baseline', 'name', 'ratio', 'unit', 'value']);
  const metric = m as {
    name: unknown;
    unit: unknown;
    value: number;
    baseline: { name: unknown; value: number } | null;
    ratio: number | null;
  };
  expect(typeof metric.name).toBe('string');
  expect(typeof metric.unit).toBe('string');
  expect(Number.isFinite(metric.value)).toBe(true);
  expect(metric.value).toBeGreaterThanOrEqual(0);
  if (metric.baseline === null) {
    expect(metric.ratio).toBeNull();
    return;
  }
  expect(Object.keys(metric.baseline).sort()).toEqual(['name', 'value']);
  expect(typeof metric.baseline.name).toBe('string');
  expect(metric.baseline.value).toBeGreaterThan(0);
  expect(metric.ratio).toBeGreaterThan(0);
  // Values are rounded to 4 significant digits, so the ratio matches to about 3.
  expect(metric.ratio! / (metric.value / metric.baseline.value)).toBeCloseTo(1, 2);
}
