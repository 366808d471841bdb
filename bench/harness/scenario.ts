/**
 * The contract between the benchmark runner and a scenario.
 *
 * A scenario is one file in `bench/scenarios/` that exports a `scenario` object of type
 * {@link Scenario}. The runner discovers every such file in the compiled `dist/bench/scenarios/`
 * directory, so adding a benchmark never touches the runner: write the file, run `npm run build:ts`,
 * and `npm run bench -- --list` shows it.
 *
 * @example
 * // bench/scenarios/echo.ts
 * import { compare, measureThroughput, metric, type Scenario } from '../harness/index.js';
 *
 * export const scenario: Scenario = {
 *   name: 'echo',
 *   description: 'an echo loop against a plain function call',
 *   defaults: { payload: 64 },
 *   async run({ seconds, settings }) {
 *     const base = await measureThroughput((n) => { for (let i = 0; i < n; i++) plain(i); }, { seconds });
 *     const echo = await measureThroughput((n) => echoBatch(n, settings.payload as number), { seconds });
 *     return [
 *       metric('plain call', 'calls/s', base.perSecond),
 *       compare('echo', 'msgs/s', echo.perSecond, { name: 'plain call', value: base.perSecond }),
 *     ];
 *   },
 * };
 */

/** A scenario setting: plain scalars only, so every setting prints and round-trips through JSON. */
export type SettingValue = number | string | boolean;

/** Named settings of one run (the scenario's defaults overridden by `--set key=value`). */
export type Settings = Readonly<Record<string, SettingValue>>;

/** The inclusive bounds of an integer setting (see {@link Scenario.integers}). */
export interface IntegerRange {
  readonly min: number;
  readonly max?: number;
}

/** The figure a metric is compared against, measured in the same run. */
export interface Baseline {
  readonly name: string;
  readonly value: number;
}

/**
 * One measured figure. Throughput and latency are always separate metrics (never one number for
 * both). `ratio` is `value / baseline.value` (so for a latency, below 1 means faster than the
 * baseline); it is null when there is no baseline or the baseline is zero.
 */
export interface Metric {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: Baseline | null;
  readonly ratio: number | null;
}

/** What the runner hands a scenario. */
export interface ScenarioContext {
  /** Measured seconds per subject (a scenario has several: each baseline, each variant). Always > 0. */
  readonly seconds: number;
  /** The scenario's `defaults` with the command line's `--set` overrides applied. */
  readonly settings: Settings;
  /** Progress lines for a human (stderr); never part of the result. */
  readonly log: (line: string) => void;
}

/** A benchmark scenario; export one as `scenario` from a file in `bench/scenarios/`. */
export interface Scenario {
  /** The name used on the command line: lower-case words joined by `-`. */
  readonly name: string;
  /** One line saying what is measured and against which baselines. */
  readonly description: string;
  /** Every setting the scenario reads, with its default; `--set` may only override these keys. */
  readonly defaults: Settings;
  /**
   * Settings that must be whole numbers within bounds. The runner checks them (see
   * `checkIntegerSettings`) when resolving `--set` and again before `run`, so a bad value is a usage
   * error naming the setting and the rule, and `run` can trust its settings.
   */
  readonly integers?: Readonly<Record<string, IntegerRange>>;
  /** Measure and return the metrics (throughput and latency as separate entries). */
  run(ctx: ScenarioContext): Promise<Metric[]>;
}

/** Machine facts recorded with every result. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly arch: string;
  readonly platform: string;
  readonly totalMemoryMiB: number;
  /** Whether a full GC could be forced (heap figures are only meaningful then). */
  readonly gcAvailable: boolean;
}

/**
 * One scenario's result: the shape `bench/results/<scenario>-<date>.json` holds. `machine` adds
 * the CPU model and memory to the required `node` and `cpus` fields.
 */
export interface BenchResult {
  readonly scenario: string;
  /** ISO 8601 time the scenario started. */
  readonly date: string;
  /** `process.version`, e.g. `v20.20.2`. */
  readonly node: string;
  /** Logical CPUs available to this process. */
  readonly cpus: number;
  /** Every setting in effect, including `seconds`. */
  readonly settings: Settings;
  readonly metrics: readonly Metric[];
  readonly machine: MachineInfo;
}
