/**
 * Scenario discovery: every module in the scenarios directory that exports a `scenario` object
 * becomes runnable by name, so other work adds `bench/scenarios/<name>.ts` without touching the
 * runner. A file that fails to import is reported, not fatal: one broken scenario must not stop
 * the others from running.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScenarioLoadError } from './errors.js';
import type { Scenario } from './scenario.js';

export interface DiscoveredScenarios {
  /** Loaded scenarios by name, in name order. */
  readonly scenarios: ReadonlyMap<string, Scenario>;
  /** Files that could not be imported or export no valid `scenario`. */
  readonly failures: readonly ScenarioLoadError[];
}

/**
 * The scenarios directory next to this module's folder: `dist/bench/scenarios/` when running the
 * compiled runner, `bench/scenarios/` when the harness is imported from source (tests).
 */
export function defaultScenariosDir(): string {
  return fileURLToPath(new URL('../scenarios/', import.meta.url));
}

/** True for a value with the {@link Scenario} shape. */
export function isScenario(value: unknown): value is Scenario {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Scenario>;
  return (
    typeof s.name === 'string' &&
    /^[a-z0-9]+(-[a-z0-9]+)*$/.test(s.name) &&
    s.name !== 'all' &&
    typeof s.description === 'string' &&
    typeof s.defaults === 'object' &&
    s.defaults !== null &&
    typeof s.run === 'function'
  );
}

/**
 * Compiled JavaScript (`.js`, `.mjs`) or, when running from source under a TypeScript loader,
 * `.ts` files; never declaration files or source maps.
 */
function isScenarioFile(name: string): boolean {
  if (name.endsWith('.d.ts') || name.startsWith('.') || name.startsWith('_')) return false;
  return name.endsWith('.js') || name.endsWith('.mjs') || name.endsWith('.ts');
}

/**
 * Import every scenario module in `dir`.
 *
 * @example
 * const { scenarios, failures } = await discoverScenarios(defaultScenariosDir());
 * for (const f of failures) console.error(f.message);
 * console.log([...scenarios.keys()]);
 */
export async function discoverScenarios(dir: string = defaultScenariosDir()): Promise<DiscoveredScenarios> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    return {
      scenarios: new Map(),
      failures: [new ScenarioLoadError(dir, 'directory not readable', { cause: err })],
    };
  }
  const found: Scenario[] = [];
  const failures: ScenarioLoadError[] = [];
  // One import at a time: a scenario module may be heavy, and order keeps failures deterministic.
  for (const name of entries.filter(isScenarioFile).sort()) {
    const file = path.join(dir, name);
    let mod: { scenario?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { scenario?: unknown };
    } catch (err) {
      failures.push(
        new ScenarioLoadError(file, err instanceof Error ? err.message : String(err), { cause: err }),
      );
      continue;
    }
    if (!isScenario(mod.scenario)) {
      failures.push(
        new ScenarioLoadError(
          file,
          'it must export `scenario` = { name (lower-case words joined by "-", not "all"), description, defaults, run }',
        ),
      );
      continue;
    }
    const clash = found.find((s) => s.name === (mod.scenario as Scenario).name);
    if (clash !== undefined) {
      failures.push(
        new ScenarioLoadError(file, `scenario name "${clash.name}" is already used by another file`),
      );
      continue;
    }
    found.push(mod.scenario);
  }
  found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { scenarios: new Map(found.map((s) => [s.name, s])), failures };
}
