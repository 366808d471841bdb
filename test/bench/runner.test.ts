import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../bench/harness/cli.js';
import { discoverScenarios } from '../../bench/harness/discover.js';
import { expectResultShape } from './result-shape.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const scenariosDir = path.join(fixtures, 'scenarios');
const brokenDir = path.join(fixtures, 'broken');

/** Run the CLI in-process, capturing both streams. */
async function cli(argv: string[], dir = scenariosDir) {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    scenariosDir: dir,
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe('bench runner', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'wactor-bench-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('lists every discovered scenario with its description and settings', async () => {
    const { code, out } = await cli(['--list']);
    expect(code).toBe(0);
    expect(out).toMatch(/^failing\s+always fails/m);
    expect(out).toMatch(/^tiny\s+a summing loop/m);
    // Integer settings show their inclusive bounds, so a user sees the rule before breaking it.
    expect(out).toContain('settings: step=1[1..1000] label=x fast=true');
  });

  it('discovers the real scenarios pingpong, spawn and restart', async () => {
    const { scenarios } = await discoverScenarios(
      fileURLToPath(new URL('../../bench/scenarios/', import.meta.url)),
    );
    expect([...scenarios.keys()]).toEqual(expect.arrayContaining(['pingpong', 'restart', 'spawn']));
  });

  it('rejects an unknown scenario with exit code 2, naming it and the known ones', async () => {
    const { code, err, out } = await cli(['pingpnog']);
    expect(code).toBe(2);
    expect(err).toContain('unknown scenario "pingpnog"');
    expect(err).toContain('failing, tiny');
    expect(out).toBe('');
  });

  it('rejects an unknown flag with exit code 2, naming the flag', async () => {
    const { code, err } = await cli(['tiny', '--secs', '1']);
    expect(code).toBe(2);
    expect(err).toContain('--secs');
  });

  it('rejects a non-positive --seconds with exit code 2', async () => {
    const { code, err } = await cli(['tiny', '--seconds', '0']);
    expect(code).toBe(2);
    expect(err).toContain('--seconds must be a positive number, got "0"');
  });

  it('rejects a --set key no selected scenario has, listing the known settings', async () => {
    const { code, err } = await cli(['tiny', '--set', 'pairs=4']);
    expect(code).toBe(2);
    expect(err).toContain('--set pairs');
    expect(err).toContain('fast, label, step');
  });

  it('rejects a --set value of the wrong type, naming the setting', async () => {
    const { code, err } = await cli(['tiny', '--set', 'step=many']);
    expect(code).toBe(2);
    expect(err).toContain('--set step must be a number, got "many"');
  });

  it('rejects a --set value outside a declared integer range before running anything', async () => {
    for (const [value, got] of [
      ['0', '0'],
      ['2.5', '2.5'],
      ['1001', '1001'],
    ]) {
      const { code, err, out } = await cli(['tiny', '--set', `step=${value}`]);
      expect(code).toBe(2);
      expect(err).toContain(`--set step must be an integer in 1..1000, got ${got}`);
      expect(err).not.toContain('running tiny');
      expect(out).toBe('');
    }
  });

  it('asks for a scenario when none is named', async () => {
    const { code, err } = await cli([]);
    expect(code).toBe(2);
    expect(err).toContain('name a scenario to run: failing, tiny, or "all"');
  });

  it('runs a scenario for a tiny duration and prints a table with its baseline and ratio', async () => {
    const { code, out } = await cli(['tiny', '--seconds', '0.02']);
    expect(code).toBe(0);
    expect(out).toMatch(/^tiny — .* — node v\d+/m);
    expect(out).toContain('settings: seconds=0.02 step=1 label=x fast=true');
    expect(out).toMatch(/^stepped loop\s+\S+\s+ops\/s\s+plain loop\s+\S+\s+\S+×$/m);
  });

  it('writes <scenario>-<date>.json with the result shape when given --json --out', async () => {
    const { code, out } = await cli(['tiny', '--seconds', '0.02', '--json', '--out', tmp, '--set', 'step=3']);
    expect(code).toBe(0);
    const files = await readdir(tmp);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^tiny-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/);
    expect(out).toContain(`wrote ${path.join(tmp, files[0]!)}`);
    const result: unknown = JSON.parse(await readFile(path.join(tmp, files[0]!), 'utf8'));
    expectResultShape(result, 'tiny');
    expect(result).toMatchObject({ settings: { seconds: 0.02, step: 3, label: 'x', fast: true } });
  });

  it('runs a real scenario from the default directory and writes its JSON result', async () => {
    let out = '';
    const code = await runCli(['restart', '--seconds', '0.02', '--out', tmp], {
      stdout: (t) => {
        out += t;
      },
      stderr: () => {},
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^supervised restarts, fresh Error\s/m);
    const files = await readdir(tmp);
    expect(files).toEqual([expect.stringMatching(/^restart-.*\.json$/)]);
    const result: unknown = JSON.parse(await readFile(path.join(tmp, files[0]!), 'utf8'));
    expectResultShape(result, 'restart');
    expect(result).toMatchObject({ settings: { seconds: 0.02, children: 1 } });
  });

  it('runs every scenario for "all" and exits 1 when one of them fails', async () => {
    const { code, out, err } = await cli(['all', '--seconds', '0.02']);
    expect(code).toBe(1);
    expect(err).toContain('scenario failing failed');
    expect(err).toContain('fixture failure');
    expect(out).toMatch(/^tiny — /m);
  });

  it('reports files that fail to load and still runs the valid scenarios', async () => {
    const found = await discoverScenarios(brokenDir);
    expect([...found.scenarios.keys()]).toEqual(['tiny']);
    const messages = found.failures.map((f) => f.message).join('\n');
    expect(found.failures.map((f) => f.code)).toEqual([
      'WACTOR_ERR_BENCH_SCENARIO_LOAD',
      'WACTOR_ERR_BENCH_SCENARIO_LOAD',
    ]);
    expect(messages).toContain('bad-import.ts: fixture import failure');
    expect(messages).toContain('not-a-scenario.ts: it must export `scenario`');

    const { code, err } = await cli(['tiny', '--seconds', '0.02'], brokenDir);
    expect(code).toBe(0);
    expect(err).toContain('warning: cannot load scenario file');
  });
});
