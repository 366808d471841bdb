import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');
const wactor = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 30_000 });

test('wactor help lists the commands', () => {
  const r = wactor('help');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/demo\s+run a short tour/);
  expect(r.stdout).toMatch(/bench\s+run benchmarks/);
});

test('an unknown command is named in the error and exits 2', () => {
  const r = wactor('frobnicate');
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('unknown command "frobnicate"');
});

test('wactor bench --list lists the discovered scenarios', () => {
  const r = wactor('bench', '--list');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^pingpong\s/m);
  expect(r.stdout).toMatch(/^spawn\s/m);
});
