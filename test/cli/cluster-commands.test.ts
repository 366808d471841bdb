import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseHostPort, runAttach } from '../../cli/attach.js';
import { runCert } from '../../cli/cert.js';
import { ClusterNode, Identity } from '../../cluster/index.js';
import { type Runtime, silentLogger } from '../../runtime/index.js';
import { quietRuntime } from '../helpers/runtime.js';

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

let dir: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wactor-cert-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await rm(dir, { recursive: true, force: true });
});

describe('wactor cert', () => {
  test('shared writes a pinned cluster identity that Identity.fromPem loads, key mode 0600', async () => {
    const lines: string[] = [];
    expect(await runCert(['shared', '--out', dir], (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([
      `wrote ${join(dir, 'cluster.cert.pem')}`,
      `wrote ${join(dir, 'cluster.key.pem')}`,
    ]);
    const id = Identity.fromPem({
      cert: await readFile(join(dir, 'cluster.cert.pem'), 'utf8'),
      key: await readFile(join(dir, 'cluster.key.pem'), 'utf8'),
    });
    expect(id.mode).toBe('shared');
    expect((await stat(join(dir, 'cluster.key.pem'))).mode & 0o777).toBe(0o600);
  });

  test('ca then issue gives a CA-mode identity carrying the node name', async () => {
    await runCert(['ca', '--out', dir], () => {});
    await runCert(['issue', 'alpha', '--ca', dir, '--out', dir], () => {});
    const id = Identity.fromPem({
      cert: await readFile(join(dir, 'alpha.cert.pem'), 'utf8'),
      key: await readFile(join(dir, 'alpha.key.pem'), 'utf8'),
      ca: await readFile(join(dir, 'ca.cert.pem'), 'utf8'),
    });
    expect(id.mode).toBe('ca');
    expect(id.name).toBe('alpha');
  });

  test('issuing into the CA directory keeps the CA cert and never clobbers an existing identity', async () => {
    await runCert(['ca', '--out', dir], () => {});
    const caCert = await readFile(join(dir, 'ca.cert.pem'), 'utf8');
    const lines: string[] = [];
    await runCert(['issue', 'alpha', '--ca', dir, '--out', dir], (l) => lines.push(l));
    expect(lines).toEqual([`wrote ${join(dir, 'alpha.cert.pem')}`, `wrote ${join(dir, 'alpha.key.pem')}`]);
    expect(await readFile(join(dir, 'ca.cert.pem'), 'utf8')).toBe(caCert);
    const key = await readFile(join(dir, 'alpha.key.pem'), 'utf8');
    await expect(runCert(['issue', 'alpha', '--ca', dir, '--out', dir], () => {})).rejects.toThrow(
      /alpha\.cert\.pem already exists/,
    );
    expect(await readFile(join(dir, 'alpha.key.pem'), 'utf8')).toBe(key);
  });

  test('existing files are not overwritten without --force', async () => {
    await runCert(['shared', '--out', dir], () => {});
    const before = await readFile(join(dir, 'cluster.key.pem'), 'utf8');
    await expect(runCert(['shared', '--out', dir], () => {})).rejects.toThrow(/already exists \(use --force/);
    expect(await readFile(join(dir, 'cluster.key.pem'), 'utf8')).toBe(before);
    await runCert(['shared', '--out', dir, '--force'], () => {});
    expect(await readFile(join(dir, 'cluster.key.pem'), 'utf8')).not.toBe(before);
  });

  test('bad input names the rule, and the command exits 2 without a stack trace', async () => {
    await expect(runCert(['weird', '--out', dir])).rejects.toThrow(
      /kind must be 'shared', 'ca' or 'issue', got "weird"/,
    );
    await expect(runCert(['issue', 'bad name!', '--ca', dir, '--out', dir])).rejects.toThrow();
    const r = spawnSync(process.execPath, [main, 'cert', 'shared'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^wactor: cert: --out DIR is required/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('wactor attach', () => {
  test('parses HOST:PORT including bracketed IPv6, and rejects anything else by name', () => {
    expect(parseHostPort('127.0.0.1:4000')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseHostPort('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseHostPort('localhost')).toThrow(/HOST:PORT .* got "localhost"/);
    expect(() => parseHostPort('h:70000')).toThrow(/port in 1..65535/);
  });

  test('lists the processes alive on a running node with their labels and names', async () => {
    await runCert(['shared', '--out', dir], () => {});
    const identity = Identity.fromPem({
      cert: await readFile(join(dir, 'cluster.cert.pem'), 'utf8'),
      key: await readFile(join(dir, 'cluster.key.pem'), 'utf8'),
    });
    const rt: Runtime = quietRuntime();
    cleanups.push(() => rt.shutdown());
    const worker = rt.spawn({ receive() {} }, { label: 'worker' });
    rt.register('jobs', worker);
    rt.spawn({ receive() {} }, { label: 'other' });
    const node = await ClusterNode.start({
      name: 'target',
      runtime: rt,
      identity,
      port: 0,
      logger: silentLogger,
    });
    cleanups.push(() => node.close());
    const lines: string[] = [];
    const code = await runAttach(
      [
        `127.0.0.1:${node.port}`,
        '--cert',
        join(dir, 'cluster.cert.pem'),
        '--key',
        join(dir, 'cluster.key.pem'),
      ],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^node target at 127\.0\.0\.1:\d+: \d+ processes$/);
    expect(lines).toContainEqual(expect.stringMatching(/^<0\.\d+>\tworker\twaiting\t0\t0\tjobs$/));
    expect(lines).toContainEqual(expect.stringMatching(/^<0\.\d+>\tother\twaiting\t0\t0\t-$/));
  });
});
