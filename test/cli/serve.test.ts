import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { runAttach } from '../../cli/attach.js';
import { createGateway } from '../../cli/gateway.js';
import { runServe, type ServeHandle, serve } from '../../cli/serve.js';
import { ClusterNode, Identity } from '../../cluster/index.js';
import { silentLogger } from '../../runtime/index.js';
import { eventually } from '../helpers/eventually.js';
import { quietRuntime } from '../helpers/runtime.js';

const nodes: ServeHandle[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
});

async function start(
  options: Parameters<typeof serve>[0] = {},
): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const node = await serve({ port: 0, shards: 1, logger: silentLogger, ...options });
  nodes.push(node);
  return (path, init) => fetch(`http://127.0.0.1:${node.port}${path}`, init);
}
const post = (body: string | Uint8Array) => ({ method: 'POST', body });

describe('wactor serve', () => {
  test('the bundled services answer requests over HTTP', async () => {
    const http = await start();
    expect(await (await http('/call/echo', post('hello'))).text()).toBe('hello');
    expect(await (await http('/call/kv', post('put lang erlang'))).text()).toBe('ok');
    expect(await (await http('/call/kv', post('get lang'))).text()).toBe('erlang');
    expect(await (await http('/call/greeter', post('ada'))).text()).toBe('hello ada, I am greeter');
    const sent = await http('/send/counter', post('inc'));
    expect(sent.status).toBe(202);
    expect(await (await http('/call/counter', post('get'))).text()).toBe('1');
  });

  test('binary replies come back as octet-stream bytes', async () => {
    const http = await start();
    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x80]);
    const res = await http('/call/echo', post(bytes));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  test('the summary and the process list describe the node', async () => {
    const http = await start();
    const summary = (await (await http('/')).json()) as {
      modules: string[];
      names: string[];
      stats: { processes: number };
    };
    expect(summary.modules).toEqual(expect.arrayContaining(['echo', 'kv', 'spinner']));
    expect(summary.names.sort()).toEqual(['counter', 'echo', 'greeter', 'kv']);
    const procs = (await (await http('/processes')).json()) as {
      label: string;
      names: string[];
      id: string;
    }[];
    expect(procs.find((p) => p.names.includes('kv'))).toMatchObject({
      label: 'kv',
      id: expect.stringMatching(/^<\d+\.\d+>$/),
    });
  });

  test('health is ok while every service is registered, 503 naming the missing ones otherwise', async () => {
    const node = await serve({ port: 0, shards: 0, logger: silentLogger });
    nodes.push(node);
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${node.port}/health`);
      return { status: res.status, body: await res.json() };
    };
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
    const kv = node.backend.node.whereis('kv')!;
    node.backend.node.unregister('kv');
    node.backend.node.unregister('echo');
    expect(await health()).toEqual({ status: 503, body: { status: 'degraded', missing: ['echo', 'kv'] } });
    node.backend.node.register('kv', kv);
    expect((await health()).body).toEqual({ status: 'degraded', missing: ['echo'] });
  });

  test('spawn starts an actor of a module, optionally registered, and a pid is a target too', async () => {
    const http = await start();
    const res = await http('/spawn/counter?name=c2', post('41'));
    expect(res.status).toBe(201);
    const { pid } = (await res.json()) as { pid: number };
    await http('/send/c2', post('inc'));
    expect(await (await http(`/call/${pid}`, post('get'))).text()).toBe('42');
    const taken = await http('/spawn/counter?name=c2', post(''));
    expect(taken.status).toBe(409);
  });

  test('errors name what is wrong: unknown target, module or route, wrong method, oversized body', async () => {
    const http = await start();
    const nobody = await http('/call/nobody', post('x'));
    expect(nobody.status).toBe(404);
    expect(await nobody.json()).toEqual({ error: 'no process registered as "nobody"' });
    const noModule = await http('/spawn/nope', post(''));
    expect(noModule.status).toBe(404);
    expect(((await noModule.json()) as { error: string }).error).toMatch(/no module "nope"; loaded: .*echo/);
    expect((await http('/frobnicate')).status).toBe(404);
    expect((await http('/call/echo')).status).toBe(405);
    const big = await http('/call/echo', post(new Uint8Array((1 << 20) + 1)));
    expect(big.status).toBe(413);
    expect((await http('/call/echo?timeout=-5', post('x'))).status).toBe(400);
  });

  test('a service that crashes is restarted under its name by the services supervisor', async () => {
    const http = await start({ services: ['boom=crasher'] });
    const before = await http('/processes');
    const pidOf = async () =>
      ((await (await http('/processes')).json()) as { pid: number; names: string[] }[]).find((p) =>
        p.names.includes('boom'),
      )?.pid;
    const first = await pidOf();
    expect(before.status).toBe(200);
    expect((await http('/call/boom', post('unreachable'))).status).toBe(502);
    await eventually(async () => {
      const next = await pidOf();
      expect(next).toBeDefined();
      expect(next).not.toBe(first);
    });
    expect(await (await http('/call/boom', post('hi'))).text()).toBe('ok');
  });

  test('a call the actor never answers ends in 504; an actor dying mid-call in 502', async () => {
    const http = await start();
    const silent = await http('/call/counter?timeout=50', post('inc'));
    expect(silent.status).toBe(504);
    await http('/spawn/crasher?name=boom', post(''));
    const crashed = await http('/call/boom', post('unreachable'));
    expect(crashed.status).toBe(502);
    expect(((await crashed.json()) as { error: string }).error).toMatch(/ended \(crashed\) before replying/);
    expect(await (await http('/call/echo', post('still here'))).text()).toBe('still here');
  });

  test('a guest that loops forever is stopped by the watchdog and the node keeps serving', async () => {
    const http = await start({ shards: 2 });
    await http('/spawn/spinner?name=spin', post(''));
    const res = await http('/call/spin?timeout=20000', post('spin'));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/ended \(timeout\)/);
    // The watchdog also ends the spinner's shard-mates; the supervised services come back once a
    // fresh worker has started and compiled their modules — seconds on a loaded 2-core machine.
    await eventually(
      async () => expect(await (await http('/call/echo', post('alive'))).text()).toBe('alive'),
      { timeout: 25_000, interval: 50 },
    );
    await eventually(async () => expect(await (await http('/call/kv', post('size'))).text()).toBe('0'), {
      timeout: 25_000,
      interval: 50,
    });
  }, 60_000);

  test('one thread (--shards 0) serves the same routes', async () => {
    const http = await start({ shards: 0 });
    expect(await (await http('/call/echo', post('single'))).text()).toBe('single');
  });

  test('bad options fail at start with a clear error', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'wactor-mods-'));
    try {
      await expect(serve({ port: 0, modulesDir: empty })).rejects.toThrow(/no \.wasm modules in/);
      await expect(serve({ port: 0, shards: 0, services: ['x=nope'] })).rejects.toThrow(
        /unknown module "nope"/,
      );
      await expect(serve({ port: 0, shards: -1 })).rejects.toThrow(/--shards must be an integer/);
      // Above the bound a peer's call proxy accepts: refused at start, not on the first remote call.
      await expect(serve({ port: 0, shards: 0, callTimeoutMs: 600_001 })).rejects.toThrow(
        /--call-timeout must be an integer number of ms in 0\.\.600000, got 600001/,
      );
      const blocker = createServer();
      await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
      const port = (blocker.address() as { port: number }).port;
      await expect(serve({ port, shards: 0 })).rejects.toThrow(/EADDRINUSE/);
      await new Promise((ok) => blocker.close(ok));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('cluster flags without --cluster-port are refused by name, not ignored', async () => {
    await expect(runServe(['--seeds', '127.0.0.1:4370', '--cert', 'n.cert.pem'])).rejects.toThrow(
      'serve: --seeds, --cert only apply with --cluster-port (or cluster.port in --config)',
    );
    await expect(runServe(['--cluster-port', '70000'])).rejects.toThrow(
      'serve: --cluster-port must be in 0..65535, got 70000',
    );
  });

  test('createGateway refuses a default call bound outside 0..600000, naming the option', async () => {
    const node = quietRuntime();
    const backend = { node, modules: [], spawn: () => 0 as never };
    try {
      for (const bad of [-1, 1.5, 600_001]) {
        expect(() => createGateway(backend, { callTimeoutMs: bad })).toThrow(
          `createGateway: options.callTimeoutMs must be an integer number of ms in 0..600000, got ${bad}`,
        );
      }
    } finally {
      await node.shutdown();
    }
  });

  test('with a cluster port the node joins a cluster: global services reachable from a peer, attach lists processes', async () => {
    const identity = await Identity.generate();
    const node = await serve({
      port: 0,
      shards: 1,
      logger: silentLogger,
      cluster: { name: 'srv', identity, port: 0, logger: silentLogger },
    });
    nodes.push(node);
    const peerRt = quietRuntime();
    const peer = await ClusterNode.start({
      name: 'peer',
      runtime: peerRt,
      identity,
      port: 0,
      seeds: [`127.0.0.1:${node.cluster!.port}`],
      logger: silentLogger,
    });
    try {
      await eventually(() => expect(peer.whereisGlobal('counter')).toBe('srv'));
      await peer.sendGlobal('counter', new TextEncoder().encode('inc'));
      const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${node.port}${path}`, init);
      await eventually(async () => expect(await (await http('/call/counter', post('get'))).text()).toBe('1'));
      const pem = identity.toPem();
      const dir = await mkdtemp(join(tmpdir(), 'wactor-attach-'));
      try {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(join(dir, 'c.pem'), pem.cert);
        await writeFile(join(dir, 'k.pem'), pem.key);
        const lines: string[] = [];
        const code = await runAttach(
          [`127.0.0.1:${node.cluster!.port}`, '--cert', join(dir, 'c.pem'), '--key', join(dir, 'k.pem')],
          (l) => lines.push(l),
        );
        expect(code).toBe(0);
        expect(lines[0]).toMatch(/^node srv at /);
        expect(lines).toContainEqual(expect.stringMatching(/\tkv\twaiting\t0\t\d+\tkv$/));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      await peer.close();
      await peerRt.shutdown();
    }
  });
});
