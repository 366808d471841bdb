/**
 * Building, printing and saving results: the one place that knows the result shape
 * `{ scenario, date, node, cpus, settings, metrics: [{ name, unit, value, baseline, ratio }] }`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isGcAvailable } from './heap.js';
import type { Baseline, BenchResult, MachineInfo, Metric, Settings } from './scenario.js';

/** Round to 4 significant digits: enough for any benchmark figure, readable in JSON. */
export function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(4));
}

/**
 * A metric without a baseline (a baseline figure itself, or a fact such as a count).
 *
 * @example
 * metric('plain queue loop', 'msgs/s', 41_000_000);
 */
export function metric(name: string, unit: string, value: number): Metric {
  return { name, unit, value: round(value), baseline: null, ratio: null };
}

/**
 * A metric compared against a baseline measured in the same run: `ratio = value / baseline.value`
 * (null when the baseline is zero or not finite).
 *
 * @example
 * compare('handler pingpong', 'msgs/s', 9.1e6, { name: 'xstate v5 fromCallback', value: 0.7e6 }); // ratio 13
 */
export function compare(name: string, unit: string, value: number, baseline: Baseline): Metric {
  const ok = Number.isFinite(baseline.value) && baseline.value !== 0;
  return {
    name,
    unit,
    value: round(value),
    baseline: { name: baseline.name, value: round(baseline.value) },
    ratio: ok ? round(value / baseline.value) : null,
  };
}

/** CPU model, architecture, memory and whether a GC can be forced. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    arch: process.arch,
    platform: process.platform,
    totalMemoryMiB: Math.round(os.totalmem() / 2 ** 20),
    gcAvailable: isGcAvailable(),
  };
}

/**
 * The result record of one scenario run.
 *
 * @example
 * const result = buildResult('pingpong', { seconds: 1, pairs: 1 }, metrics, startedAt);
 */
export function buildResult(
  scenario: string,
  settings: Settings,
  metrics: readonly Metric[],
  date: Date = new Date(),
): BenchResult {
  return {
    scenario,
    date: date.toISOString(),
    node: process.version,
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    settings: { ...settings },
    metrics: [...metrics],
    machine: machineInfo(),
  };
}

/** `1234567` → `1.23M`; small and fractional values keep three significant digits. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (Number.isInteger(value)) return String(value);
  return value.toPrecision(3);
}

/**
 * A readable table of one result: a header line with the machine and settings, then one row per
 * metric with its baseline and ratio.
 *
 * @example
 * process.stdout.write(formatTable(result));
 */
export function formatTable(result: BenchResult): string {
  const settings = Object.entries(result.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const head =
    `${result.scenario} — ${result.date} — node ${result.node}, ${result.cpus} cpus ` +
    `(${result.machine.cpuModel})\nsettings: ${settings}\n`;
  const rows: string[][] = [['metric', 'value', 'unit', 'baseline', 'baseline value', 'ratio']];
  for (const m of result.metrics) {
    rows.push([
      m.name,
      formatNumber(m.value),
      m.unit,
      m.baseline?.name ?? '-',
      m.baseline ? formatNumber(m.baseline.value) : '-',
      m.ratio === null ? '-' : `${m.ratio.toPrecision(3)}×`,
    ]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const numeric = new Set([1, 4, 5]);
  const lines = rows.map((r) =>
    r
      .map((cell, col) => (numeric.has(col) ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!)))
      .join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${head}${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}

/** `2026-11-22T01:02:03.456Z` → `2026-11-22T01-02-03-456Z` (safe in file names everywhere). */
export function fileDate(iso: string): string {
  return iso.replace(/[:.]/g, '-');
}

/**
 * Write `<dir>/<scenario>-<date>.json` (creating `dir`) and return its path.
 *
 * @example
 * const file = await writeResult(result, 'bench/results');
 */
export async function writeResult(result: BenchResult, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${result.scenario}-${fileDate(result.date)}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
