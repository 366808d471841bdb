import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CALL_FACTORY, CallError, callRemote } from '../../cli/call.js';
import { type ServeHandle, serve } from '../../cli/serve.js';
import { Identity } from '../../cluster/index.js';
import { silentLogger } from '../../runtime/index.js';
import { RawPeer } from '../cluster/raw-peer.js';
import { eventually } from '../helpers/eventually.js';

// Two served nodes in one cluster; `a` reaches the services of `b` through its own HTTP ingress.
let a: ServeHandle;
let b: ServeHandle;
let identity: Identity;
const post = (body: string) => ({ method: 'POST', body });
const httpA = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${a.port}${path}`, init);
const httpB = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${b.port}${path}`, init);

beforeAll(async () => {
  identity = await Identity.generate();
  b = await serve({
    port: 0,
    shards: 1,
    logger: silentLogger,
    services: ['far=echo', 'farkv=kv', 'farctr=counter', 'farboom=crasher'],
    cluster: { name: 'b', identity, port: 0, logger: silentLogger },
  });
  a = await serve({
    port: 0,
    shards: 1,
    logger: silentLogger,
    services: ['echo=echo'],
    cluster: { name: 'a', identity, port: 0, seeds: [`127.0.0.1:${b.cluster!.port}`], logger: silentLogger },
  });
  await eventually(() => {
    expect(a.cluster!.whereisGlobal('far')).toBe('b');
    expect(a.cluster!.whereisGlobal('farboom')).toBe('b');
  });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('POST /call and /send to a global name on a peer', () => {
  test('a call reaches the actor on the owning node and its reply comes back', async () => {
    expect(await (await httpA('/call/far', post('over the wire'))).text()).toBe('over the wire');
    expect(await (await httpA('/call/farkv', post('put k v'))).text()).toBe('ok');
    // The same actor answers on its own node.
    expect(await (await httpB('/call/farkv', post('get k'))).text()).toBe('v');
    // Local names still win: `echo` lives on a.
    expect(await (await httpA('/call/echo', post('here'))).text()).toBe('here');
  });

  test('a send is fire and forget across the cluster', async () => {
    expect((await httpA('/send/farkv', post('put sent yes'))).status).toBe(202);
    await eventually(async () =>
      expect(await (await httpB('/call/farkv', post('get sent'))).text()).toBe('yes'),
    );
  });

  // The crasher traps at once, so its proxy usually ends before the caller's remote monitor is in
  // place (a `noproc` down): the outcome must still arrive, as the proxy's result message.
  test('failures come back with the reason: crash → 502, silence → 504, no name → 404', async () => {
    const crashed = await httpA('/call/farboom', post('unreachable'));
    expect(crashed.status).toBe(502);
    expect(((await crashed.json()) as { error: string }).error).toMatch(/^farboom on b: .*ended \(crashed\)/);
    const silent = await httpA('/call/farctr?timeout=100', post('inc'));
    expect(silent.status).toBe(504);
    expect(((await silent.json()) as { error: string }).error).toMatch(
      /^farctr on b: no reply from <\d+\.\d+> within 100 ms$/,
    );
    expect((await httpA('/call/nowhere', post('x'))).status).toBe(404);
    // A name the owner does not (or no longer) have: the proxy on b ends with noproc.
    await expect(
      callRemote(a.cluster!, a.backend.node, 'b', 'missing', new Uint8Array(1), 1000),
    ).rejects.toMatchObject({
      code: 'WACTOR_ERR_SERVE_CALL_NO_TARGET',
      status: 404,
      message: 'no process registered as "missing" on b',
    });
  });

  test('a peer that never spawns the proxy is a 504 within the call bound, not an RPC failure', async () => {
    // A linked peer that answers no request: the spawn of the proxy never completes.
    const silent = await RawPeer.dial(identity, a.cluster!.port);
    try {
      await silent.join('silent');
      await expect(
        callRemote(a.cluster!, a.backend.node, 'silent', 'kv', new Uint8Array(1), 50),
      ).rejects.toMatchObject({
        name: 'CallError',
        code: 'WACTOR_ERR_SERVE_CALL_TIMEOUT',
        status: 504,
        message: 'no reply from kv on silent within 50 ms',
      });
    } finally {
      await silent.close();
    }
  });

  test('a reply over the frame cap of the owner comes back as a 502 saying so, not a timeout', async () => {
    // c caps its frames at 1 KiB; its kv holds a 2 KB value, put there by a local call.
    const c = await serve({
      port: 0,
      shards: 0,
      logger: silentLogger,
      services: ['bigkv=kv'],
      cluster: {
        name: 'c',
        identity,
        port: 0,
        seeds: [`127.0.0.1:${a.cluster!.port}`],
        logger: silentLogger,
        maxFrameBytes: 1024,
      },
    });
    try {
      const big = 'x'.repeat(2000);
      const put = await fetch(`http://127.0.0.1:${c.port}/call/bigkv`, post(`put k ${big}`));
      expect(await put.text()).toBe('ok');
      await eventually(() => expect(a.cluster!.whereisGlobal('bigkv')).toBe('c'));
      await expect(
        callRemote(a.cluster!, a.backend.node, 'c', 'bigkv', new TextEncoder().encode('get k'), 60_000),
      ).rejects.toMatchObject({
        status: 502,
        message: expect.stringMatching(
          /^bigkv on c: the reply could not be sent back: frame length \d+ is outside 1\.\.1024 bytes/,
        ),
      });
    } finally {
      await c.close();
    }
  });

  test('the call proxy refuses malformed arguments with the rule', async () => {
    await expect(a.cluster!.spawnRemote('b', CALL_FACTORY, new Uint8Array([0xc1]))).rejects.toThrow(
      /wactor\.call: args must be msgpack/,
    );
    // b keeps serving.
    expect(await (await httpA('/call/far', post('still'))).text()).toBe('still');
  });

  test('a proxy that fails unexpectedly still answers: 502 with the cause, at once', async () => {
    // An empty name passes the proxy's argument check but makes the owner's whereis throw: the
    // proxy must turn that into a result, not crash (possibly before the caller's monitor).
    const err = await callRemote(a.cluster!, a.backend.node, 'b', '', new Uint8Array(1), 20_000).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(CallError);
    expect(err.status).toBe(502);
    // The cause itself (a crash would read "the call proxy ended (crashed)", or time out).
    expect(err.message).toMatch(/^ on b: .*name/);
  });

  test('a call to a peer that the client abandons ends its call process, and then the proxy on the peer', async () => {
    const abort = new AbortController();
    // farctr never answers 'inc': the call waits on b until the client gives up.
    const pending = httpA('/call/farctr?timeout=60000', { ...post('inc'), signal: abort.signal }).catch(
      (e: Error) => e.name,
    );
    const callers = async () =>
      ((await (await httpA('/processes')).json()) as { label: string }[]).filter(
        (p) => p.label === 'http-call',
      );
    const proxies = async () =>
      ((await (await httpB('/processes')).json()) as { label: string }[]).filter(
        (p) => p.label === 'call-proxy',
      );
    await eventually(async () => expect(await proxies()).toHaveLength(1));
    expect(await callers()).toHaveLength(1);
    abort.abort();
    expect(await pending).toBe('AbortError');
    await eventually(async () => expect(await callers()).toHaveLength(0));
    // The proxy's own bound is 60 s; it stops on its caller's down instead.
    await eventually(async () => expect(await proxies()).toHaveLength(0));
  });

  // Last: it takes b out of the cluster.
  test('a call in flight when the link drops ends at once with 502, not by its timeout', async () => {
    const pending = httpA('/call/farctr?timeout=60000', post('inc'));
    // The proxy is waiting on b once b lists it.
    await eventually(async () => {
      const procs = (await (await httpB('/processes')).json()) as { label: string }[];
      expect(procs.some((p) => p.label === 'call-proxy')).toBe(true);
    });
    await b.cluster!.close();
    const res = await pending;
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toBe(
      'the link to b dropped during the call to farctr',
    );
  });
});
