import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadServeConfig, parseServeConfig } from '../../cli/config.js';
import { startServeChild } from './serve-child.js';

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

let dir: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wactor-config-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers.splice(0)) await new Promise((ok) => s.close(ok));
  await rm(dir, { recursive: true, force: true });
});

describe('serve config files', () => {
  test('a full config is accepted and its relative paths resolve against the file', () => {
    const config = parseServeConfig(
      {
        host: '127.0.0.1',
        port: 8081,
        modules: 'actors',
        services: ['e=echo', 'g=greeter:hi'],
        shards: 2,
        callTimeoutMs: 250,
        cluster: {
          port: 9000,
          name: 'alpha',
          seeds: ['10.0.0.2:9000'],
          cert: 'n.crt',
          key: '/abs/n.key',
          transport: 'quic',
        },
      },
      'wactor.json',
      '/etc/wactor',
    );
    expect(config).toMatchObject({
      port: 8081,
      shards: 2,
      modules: '/etc/wactor/actors',
      callTimeoutMs: 250,
    });
    expect(config.cluster).toMatchObject({ cert: '/etc/wactor/n.crt', key: '/abs/n.key', transport: 'quic' });
  });

  test('every problem is reported at once, each naming its key and the rule', () => {
    let message = '';
    try {
      parseServeConfig(
        {
          prot: 8080,
          port: 'x',
          shards: 999,
          services: ['echo'],
          logLevel: 'loud',
          cluster: { port: 70000, key: '', transport: 'udp' },
        },
        'bad.json',
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('serve: config bad.json is not valid:');
    expect(message).toContain('(top level): unknown key(s) prot');
    expect(message).toContain('port: must be an integer port in 0..65535');
    expect(message).toContain('shards: must be an integer in 0..256');
    expect(message).toContain('services.0: must be NAME=MODULE[:ARGS]');
    expect(message).toContain('logLevel: must be one of silent, error, warn, info, debug');
    expect(message).toContain('cluster.port: must be an integer port in 0..65535');
    expect(message).toContain('cluster.cert: is required');
    expect(message).toContain('cluster.key: must be a non-empty string');
    expect(message).toContain("cluster.transport: must be 'tls' or 'quic'");
    expect(() => parseServeConfig([1], 'list.json')).toThrow(/list\.json is not valid/);
  });

  test('an unreadable or non-JSON file is an error naming it', async () => {
    await expect(loadServeConfig(join(dir, 'missing.json'))).rejects.toThrow(
      /cannot read the config .*missing\.json/,
    );
    await writeFile(join(dir, 'broken.json'), '{ "port": ');
    await expect(loadServeConfig(join(dir, 'broken.json'))).rejects.toThrow(/broken\.json is not JSON/);
  });

  test('wactor serve --config runs from the file, and flags win over it', async () => {
    // The file's port is taken, so the node only starts because --port 0 overrides it.
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const taken = (blocker.address() as { port: number }).port;
    const file = join(dir, 'serve.json');
    await writeFile(file, JSON.stringify({ port: taken, shards: 1, services: ['e=echo'] }));
    const served = await startServeChild(['--config', file, '--port', '0'], children);
    const { port } = served;
    expect(port).not.toBe(taken);
    expect(served.out()).toContain('services: e');
    const call = await fetch(`http://127.0.0.1:${port}/call/e`, { method: 'POST', body: 'from config' });
    expect(await call.text()).toBe('from config');
    expect((await fetch(`http://127.0.0.1:${port}/call/kv`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect(await served.stop()).toBe(0);
    // A clean shutdown: the services supervisor stops its children, nothing crashes on the way.
    expect(served.err()).toBe('');
  });

  test('a bad config stops the command before anything starts, with the problem on stderr', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ shards: -1 }));
    const r = spawnSync(process.execPath, [main, 'serve', '--config', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('shards: must be an integer in 0..256');
  });
});
