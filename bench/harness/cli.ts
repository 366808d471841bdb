/**
 * The benchmark command line: `npm run bench -- <scenario…|all> [--seconds N] [--json] [--out DIR]
 * [--set key=value]… [--list]`. Parsing and running live here (not in bench/run.ts) so tests can
 * drive the whole runner in-process with their own output sinks and scenarios directory.
 *
 * Exit codes: 0 every scenario ran; 1 a scenario failed while running; 2 a usage error (bad flag,
 * bad value, unknown scenario).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WactorError } from '../../runtime/index.js';
import { type DiscoveredScenarios, defaultScenariosDir, discoverScenarios } from './discover.js';
import { BenchArgumentError, UnknownScenarioError } from './errors.js';
import { formatTable, writeResult } from './result.js';
import { checkIntegerSettings, runScenario } from './run-scenario.js';
import type { IntegerRange, Scenario, Settings, SettingValue } from './scenario.js';

export interface CliOptions {
  /** Where table and listing go (default: process.stdout). */
  readonly stdout?: (text: string) => void;
  /** Where progress, warnings and errors go (default: process.stderr). */
  readonly stderr?: (text: string) => void;
  /** The directory scanned for scenario modules (default: {@link defaultScenariosDir}). */
  readonly scenariosDir?: string;
}

/** Parsed command line. */
export interface BenchArgs {
  readonly names: readonly string[];
  readonly list: boolean;
  readonly help: boolean;
  readonly seconds: number;
  /** Directory to write JSON results to, or null for table only. */
  readonly out: string | null;
  /** Raw `--set` overrides, validated against each scenario's defaults later. */
  readonly overrides: ReadonlyMap<string, string>;
}

export const USAGE = `usage: npm run bench -- <scenario…|all> [options]
       npm run bench -- --list

options:
  --seconds N        measured seconds per subject (default 1; a scenario has several subjects)
  --json             also write bench/results/<scenario>-<date>.json
  --out DIR          write the JSON results to DIR instead (implies --json)
  --set key=value    override a scenario setting (repeatable; see --list for the settings)
  --list             list the scenarios with their settings
  -h, --help         this text
`;

/**
 * Parse argv (without `node` and the script). Throws BenchArgumentError naming the bad flag.
 *
 * @example
 * parseBenchArgs(['pingpong', '--seconds', '0.5', '--set', 'pairs=4']);
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new BenchArgumentError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, {
      cause: err,
    });
  }
  const { values, positionals } = parsed;
  const rawSeconds = values.seconds ?? '1';
  const seconds = Number(rawSeconds);
  if (rawSeconds.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new BenchArgumentError(`--seconds must be a positive number, got "${rawSeconds}"`);
  }
  const overrides = new Map<string, string>();
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new BenchArgumentError(`--set takes key=value, got "${pair}"`);
    overrides.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  let out: string | null = null;
  if (values.out !== undefined) {
    if (values.out.trim() === '') throw new BenchArgumentError('--out must name a directory, got ""');
    out = path.resolve(values.out);
  } else if (values.json === true) {
    out = path.resolve('bench', 'results');
  }
  return {
    names: positionals,
    list: values.list === true,
    help: values.help === true,
    seconds,
    out,
    overrides,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      seconds: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      set: { type: 'string', multiple: true },
      list: { type: 'boolean', short: 'l' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/**
 * The scenarios named on the command line (`all` = every discovered one), in the order given.
 * Throws UnknownScenarioError listing the known names.
 */
export function selectScenarios(names: readonly string[], found: DiscoveredScenarios): Scenario[] {
  const known = [...found.scenarios.keys()];
  if (names.includes('all')) return [...found.scenarios.values()];
  const picked: Scenario[] = [];
  for (const name of names) {
    const s = found.scenarios.get(name);
    if (s === undefined) throw new UnknownScenarioError(name, known);
    if (!picked.includes(s)) picked.push(s);
  }
  return picked;
}

/**
 * A scenario's settings: its defaults, overridden by `--set` values converted to the default's
 * type and checked against its `integers` bounds. Keys the scenario does not declare are skipped
 * (they may belong to another scenario).
 */
export function resolveSettings(scenario: Scenario, overrides: ReadonlyMap<string, string>): Settings {
  const settings: Record<string, SettingValue> = { ...scenario.defaults };
  for (const [key, raw] of overrides) {
    if (!Object.hasOwn(scenario.defaults, key)) continue;
    settings[key] = convert(key, raw, scenario.defaults[key]!);
  }
  checkIntegerSettings(scenario, settings, '--set ');
  return settings;
}

function convert(key: string, raw: string, like: SettingValue): SettingValue {
  if (typeof like === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) {
      throw new BenchArgumentError(`--set ${key} must be a number, got "${raw}"`);
    }
    return n;
  }
  if (typeof like === 'boolean') {
    if (raw !== 'true' && raw !== 'false') {
      throw new BenchArgumentError(`--set ${key} must be true or false, got "${raw}"`);
    }
    return raw === 'true';
  }
  return raw;
}

/** Every `--set` key must belong to at least one selected scenario. */
function checkOverrides(selected: readonly Scenario[], overrides: ReadonlyMap<string, string>): void {
  for (const key of overrides.keys()) {
    if (selected.some((s) => Object.hasOwn(s.defaults, key))) continue;
    const keys = [...new Set(selected.flatMap((s) => Object.keys(s.defaults)))].sort();
    throw new BenchArgumentError(
      `--set ${key}: no selected scenario has a setting "${key}"; known settings: ${keys.join(', ') || '(none)'}`,
    );
  }
}

/** How `--list` shows an integer setting's bounds: `[1..1000]`, `[1..]`. */
function bounds(range: IntegerRange | undefined): string {
  return range === undefined ? '' : `[${range.min}..${range.max ?? ''}]`;
}

function listing(found: DiscoveredScenarios): string {
  if (found.scenarios.size === 0) return 'no scenarios found\n';
  const width = Math.max(...[...found.scenarios.keys()].map((n) => n.length));
  return [...found.scenarios.values()]
    .map((s) => {
      const settings = Object.entries(s.defaults)
        .map(([k, v]) => `${k}=${v}${bounds(s.integers?.[k])}`)
        .join(' ');
      return `${s.name.padEnd(width)}  ${s.description}${settings ? `\n${' '.repeat(width)}  settings: ${settings}` : ''}`;
    })
    .join('\n')
    .concat('\n');
}

/**
 * Run the command line; resolves the exit code (never calls `process.exit`).
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = options.stderr ?? ((t: string) => void process.stderr.write(t));
  let args: BenchArgs;
  let selected: Scenario[];
  let found: DiscoveredScenarios;
  try {
    args = parseBenchArgs(argv);
    if (args.help) {
      stdout(USAGE);
      return 0;
    }
    found = await discoverScenarios(options.scenariosDir ?? defaultScenariosDir());
    for (const failure of found.failures) stderr(`warning: ${failure.message}\n`);
    if (args.list) {
      stdout(listing(found));
      return 0;
    }
    if (args.names.length === 0) {
      throw new BenchArgumentError(
        `name a scenario to run: ${[...found.scenarios.keys()].join(', ') || '(none found)'}, or "all"\n${USAGE}`,
      );
    }
    selected = selectScenarios(args.names, found);
    checkOverrides(selected, args.overrides);
    // Convert every override up front so a bad value fails before any scenario runs.
    for (const s of selected) resolveSettings(s, args.overrides);
  } catch (err) {
    if (err instanceof WactorError) {
      stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let failed = 0;
  for (const scenario of selected) {
    const settings = resolveSettings(scenario, args.overrides);
    stderr(`running ${scenario.name} (${args.seconds} s per subject)…\n`);
    try {
      const result = await runScenario(scenario, {
        seconds: args.seconds,
        settings,
        log: (line) => stderr(`  ${line}\n`),
      });
      stdout(`${formatTable(result)}\n`);
      if (args.out !== null) stdout(`wrote ${await writeResult(result, args.out)}\n\n`);
    } catch (err) {
      failed++;
      stderr(
        `error: scenario ${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
    }
  }
  return failed > 0 ? 1 : 0;
}
