/**
 * The benchmark harness: what a scenario file imports. See scenario.ts for the contract and
 * docs/benchmarks.md for the command line and the result format.
 */
export { type CliOptions, parseBenchArgs, runCli, USAGE } from './cli.js';
export { defaultScenariosDir, discoverScenarios, isScenario } from './discover.js';
export { BenchArgumentError, BenchTimeoutError, ScenarioLoadError, UnknownScenarioError } from './errors.js';
export { forceGc, heapUsed, isGcAvailable } from './heap.js';
export { LatencyRecorder, type LatencySummary } from './latency.js';
export { buildResult, compare, formatTable, machineInfo, metric, writeResult } from './result.js';
export { checkIntegerSettings, runScenario } from './run-scenario.js';
export type {
  Baseline,
  BenchResult,
  MachineInfo,
  Metric,
  Scenario,
  ScenarioContext,
  Settings,
  SettingValue,
} from './scenario.js';
export { type BatchFn, measureThroughput, type Throughput, type ThroughputOptions } from './throughput.js';
