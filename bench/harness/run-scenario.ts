/**
 * Run one scenario and turn its metrics into a result record, checking the metrics' shape so a
 * broken scenario fails loudly instead of writing a malformed result.
 */
import { BenchArgumentError } from './errors.js';
import { forceGc } from './heap.js';
import { buildResult } from './result.js';
import type { BenchResult, Metric, Scenario, Settings } from './scenario.js';

export interface RunScenarioOptions {
  /** Seconds per measured phase (> 0). */
  readonly seconds: number;
  /** Settings in effect (defaults when omitted). */
  readonly settings?: Settings;
  /** Progress sink (default: discard). */
  readonly log?: (line: string) => void;
}

/**
 * Run `scenario` once and build its {@link BenchResult}; `seconds` is recorded among the settings.
 *
 * @example
 * const result = await runScenario(scenario, { seconds: 0.5, settings: { ...scenario.defaults, pairs: 4 } });
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<BenchResult> {
  const settings: Settings = { ...(options.settings ?? scenario.defaults) };
  checkIntegerSettings(scenario, settings, 'setting ');
  const date = new Date();
  // Start every scenario from a collected heap, so garbage of the previous one is not charged to it.
  forceGc();
  const metrics = await scenario.run({
    seconds: options.seconds,
    settings,
    log: options.log ?? (() => {}),
  });
  checkMetrics(scenario.name, metrics);
  return buildResult(scenario.name, { seconds: options.seconds, ...settings }, metrics, date);
}

/**
 * Throw BenchArgumentError if a setting the scenario declares in `integers` is not a whole number
 * within its bounds; `label` prefixes the setting's name in the message (`--set ` on the command line).
 *
 * @example
 * checkIntegerSettings(pingpong, { pairs: 0 }, '--set '); // throws: --set pairs must be an integer >= 1, got 0
 */
export function checkIntegerSettings(scenario: Scenario, settings: Settings, label: string): void {
  for (const [key, { min, max }] of Object.entries(scenario.integers ?? {})) {
    const value = settings[key];
    if (value === undefined) continue;
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= min &&
      (max === undefined || value <= max)
    ) {
      continue;
    }
    const rule = max === undefined ? `>= ${min}` : `in ${min}..${max}`;
    throw new BenchArgumentError(`${label}${key} must be an integer ${rule}, got ${JSON.stringify(value)}`);
  }
}

function checkMetrics(name: string, metrics: unknown): asserts metrics is Metric[] {
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw new TypeError(`scenario ${name} must resolve a non-empty array of metrics`);
  }
  for (const m of metrics as Partial<Metric>[]) {
    const label = `scenario ${name}, metric ${JSON.stringify(m?.name)}`;
    if (typeof m?.name !== 'string' || typeof m.unit !== 'string') {
      throw new TypeError(`${label}: name and unit must be strings`);
    }
    if (typeof m.value !== 'number' || Number.isNaN(m.value))
      throw new TypeError(`${label}: value must be a number`);
    if (m.baseline === undefined || m.ratio === undefined) {
      throw new TypeError(`${label}: baseline and ratio must be present (null when there is none)`);
    }
  }
}
