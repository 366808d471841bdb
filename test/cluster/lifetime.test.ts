import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'exit-cleanly.mjs');
const DIST = join(import.meta.dirname, '..', '..', 'dist', 'cluster', 'index.js');

beforeAll(() => {
  if (!existsSync(DIST)) throw new Error('lifetime tests load dist/: run `npm run build:ts` first');
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe.each(['tls', 'quic'])('node lifetime over %s', (transport) => {
  it('lets the process exit on its own after close()', async () => {
    const child = spawn(process.execPath, [FIXTURE, transport], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    // A handle or pending native promise left behind would keep the child alive: the test
    // would then time out (and afterEach kills it).
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(out).toContain('closed');
    expect(code).toBe(0);
  });
});
