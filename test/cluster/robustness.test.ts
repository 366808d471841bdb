import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LinkDownError, RpcTimeoutError } from '../../cluster/errors.js';
import { encodeFrame } from '../../cluster/frame-codec.js';
import { Identity } from '../../cluster/identity.js';
import { type Frame, FrameType } from '../../cluster/protocol.js';
import { createTlsTransport } from '../../cluster/transport-tls.js';
import type { Runtime } from '../../runtime/runtime.js';
import { eventually } from '../helpers/eventually.js';
import { bytes, collector, Nodes, text } from './helpers.js';
import { RawPeer } from './raw-peer.js';

let identity: Identity;
beforeAll(async () => {
  identity = await Identity.generate();
});

const nodes = new Nodes();
const raws: RawPeer[] = [];
afterEach(async () => {
  await Promise.all(raws.splice(0).map((r) => r.close()));
  await nodes.closeAll();
});

async function raw(port: number): Promise<RawPeer> {
  const r = await RawPeer.dial(identity, port);
  raws.push(r);
  return r;
}

/** alpha, plus a healthy peer beta holding a global name — the service that must survive. */
async function service() {
  const alpha = await nodes.start('alpha', identity);
  const beta = await nodes.start('beta', identity);
  await beta.connect('127.0.0.1', alpha.port);
  const inbox = collector(alpha.runtime as Runtime);
  alpha.registerGlobal('svc', inbox.pid);
  await eventually(() => expect(beta.whereisGlobal('svc')).toBe('alpha'));
  let n = 0;
  const stillServing = async () => {
    const msg = `ping-${n++}`;
    await beta.sendGlobal('svc', bytes(msg));
    await eventually(() => expect(inbox.got.map(text)).toContain(msg));
    expect(alpha.peers()).toContain('beta');
  };
  return { alpha, beta, stillServing };
}

describe('cluster robustness', () => {
  it('closes a peer that sends a malformed frame with a logged reason and keeps serving others', async () => {
    const { alpha, stillServing } = await service();
    const r = await raw(alpha.port);
    await r.join('mallory');
    expect(alpha.peers()).toContain('mallory');
    r.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
    await eventually(() => expect(r.closed).toBe(true));
    expect(alpha.peers()).not.toContain('mallory');
    expect(nodes.logger.warnings.join('\n')).toMatch(
      /closing link to mallory: frame body is not valid msgpack/,
    );
    await stillServing();
  });

  it('closes a peer that sends an oversized or unknown frame', async () => {
    const { alpha, stillServing } = await service();
    const big = await raw(alpha.port);
    await big.join('big');
    big.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    const odd = await raw(alpha.port);
    await odd.join('odd');
    odd.send([99 as 4, 1]);
    await eventually(() => expect(big.closed && odd.closed).toBe(true));
    const log = nodes.logger.warnings.join('\n');
    expect(log).toMatch(/closing link to big: frame length 4294967295 is outside/);
    expect(log).toMatch(/closing link to odd: unknown frame type 99/);
    await stillServing();
  });

  it('closes a peer that breaks the protocol after the handshake', async () => {
    const { alpha, stillServing } = await service();
    const r = await raw(alpha.port);
    await r.join('rude');
    r.hello('rude');
    await eventually(() => expect(r.closed).toBe(true));
    expect(nodes.logger.warnings.join('\n')).toMatch(/closing link to rude: unexpected frame type 1/);
    await stillServing();
  });

  it('never crashes on fuzzed frames, before or after the handshake', async () => {
    const { alpha, stillServing } = await service();
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 5 }),
        async (joined, chunks) => {
          const r = await raw(alpha.port);
          if (joined) await r.join(`fuzz${raws.length}`);
          for (const c of chunks) r.write(c);
          await r.close();
        },
      ),
      { numRuns: 25 },
    );
    await stillServing();
  });

  it('rejects an RPC at once when the link drops mid-flight', async () => {
    const alpha = await nodes.start('alpha', identity, { rpcTimeout: 60_000 });
    const r = await raw(alpha.port);
    await r.join('silent');
    const call = alpha.remotePids('silent');
    await eventually(() => expect(r.frames.some((f) => f[0] === FrameType.Request)).toBe(true));
    r.conn.destroy();
    await expect(call).rejects.toBeInstanceOf(LinkDownError);
    await expect(call).rejects.toThrow(/link to node "silent" went down/);
  });

  it('rejects an RPC the peer never answers after its timeout', async () => {
    const alpha = await nodes.start('alpha', identity);
    const r = await raw(alpha.port);
    await r.join('silent');
    await expect(alpha.remotePids('silent', { timeout: 100 })).rejects.toBeInstanceOf(RpcTimeoutError);
    // spawnRemote takes the same bound (the default rpcTimeout is 5000 ms).
    await expect(alpha.spawnRemote('silent', 'worker', undefined, { timeout: 100 })).rejects.toThrow(
      'rpc spawn to node "silent" got no reply within 100 ms',
    );
  });

  it('refuses an RPC timeout that is not a positive number of ms, naming the call', async () => {
    const alpha = await nodes.start('alpha', identity);
    const r = await raw(alpha.port);
    await r.join('silent');
    await expect(alpha.spawnRemote('silent', 'worker', undefined, { timeout: 0 })).rejects.toThrow(
      'spawnRemote: options.timeout must be a number of ms in 1..2147483647, got 0',
    );
    await expect(alpha.remotePids('silent', { timeout: Number.NaN })).rejects.toThrow(
      'remotePids: options.timeout must be a number of ms in 1..2147483647, got NaN',
    );
    expect(r.frames.some((f) => f[0] === FrameType.Request)).toBe(false);
  });

  it('drops a dialed peer whose welcome comes with a bad frame, and lets it link again', async () => {
    const { alpha, stillServing } = await service();
    // A hand-driven listener: answers the hello with a welcome and, in the same write, a frame
    // that is not allowed after the handshake (the first time only).
    const server = createTlsTransport(identity);
    let accepted = 0;
    const listener = await server.listen('127.0.0.1', 0, (conn) => {
      const first = accepted++ === 0;
      conn.main.onData(() => {
        const welcome: Frame = [FrameType.Welcome, 'mallory', 7, '127.0.0.1', 1, []];
        const bad: Frame = [FrameType.Welcome, 'mallory', 7, '127.0.0.1', 1, []];
        conn.main.write(
          Buffer.concat(first ? [encodeFrame(welcome), encodeFrame(bad)] : [encodeFrame(welcome)]),
        );
      });
    });
    try {
      await alpha.connect('127.0.0.1', listener.port);
      await eventually(() => expect(alpha.peers()).not.toContain('mallory'));
      expect(nodes.logger.warnings.join('\n')).toMatch(/closing link to mallory: unexpected frame type/);
      // The dead link is gone from the node's view, so the same peer (same incarnation) links again.
      await alpha.connect('127.0.0.1', listener.port);
      expect(alpha.peers()).toContain('mallory');
      await stillServing();
    } finally {
      await server.close();
    }
  });

  it('drops a handshake that never says hello', async () => {
    const alpha = await nodes.start('alpha', identity, { handshakeTimeout: 200 });
    const r = await raw(alpha.port);
    await eventually(() => expect(r.closed).toBe(true));
    expect(alpha.peers()).toEqual([]);
  });
});
