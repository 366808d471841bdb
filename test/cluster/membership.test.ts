import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateLinkError, HandshakeError } from '../../cluster/errors.js';
import { encodeFrame, FrameDecoder } from '../../cluster/frame-codec.js';
import { Identity } from '../../cluster/identity.js';
import { type Frame, FrameType } from '../../cluster/protocol.js';
import type { Transport } from '../../cluster/transport.js';
import { createTlsTransport } from '../../cluster/transport-tls.js';
import { ClosedError } from '../../runtime/errors.js';
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
const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await Promise.all(raws.splice(0).map((r) => r.close()));
  await nodes.closeAll();
});

/** A port that was free a moment ago (listen(0), then close). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('cluster membership edge cases', () => {
  it('settles crossing dials (two nodes seeding each other at once) on one link used both ways', async () => {
    const [pa, pb] = await Promise.all([freePort(), freePort()]);
    const [alpha, beta] = await Promise.all([
      nodes.start('alpha', identity, {
        port: pa,
        seeds: [`127.0.0.1:${pb}`],
        reconnect: { initialDelay: 20 },
      }),
      nodes.start('beta', identity, {
        port: pb,
        seeds: [`127.0.0.1:${pa}`],
        reconnect: { initialDelay: 20 },
      }),
    ]);
    await eventually(() => {
      expect(alpha.peers()).toEqual(['beta']);
      expect(beta.peers()).toEqual(['alpha']);
    });
    const a = collector(alpha.runtime as Runtime);
    const b = collector(beta.runtime as Runtime);
    await beta.sendTo({ node: 'alpha', pid: a.pid }, bytes('to alpha'));
    await alpha.sendTo({ node: 'beta', pid: b.pid }, bytes('to beta'));
    await eventually(() => expect(a.got.map(text)).toEqual(['to alpha']));
    await eventually(() => expect(b.got.map(text)).toEqual(['to beta']));
  });

  it('settles simultaneous connects from both sides on one link', async () => {
    const alpha = await nodes.start('alpha', identity);
    const beta = await nodes.start('beta', identity);
    const [toBeta, toAlpha] = await Promise.all([
      alpha.connect('127.0.0.1', beta.port),
      beta.connect('127.0.0.1', alpha.port),
    ]);
    expect([toBeta.name, toAlpha.name]).toEqual(['beta', 'alpha']);
    await eventually(() => {
      expect(alpha.peers()).toEqual(['beta']);
      expect(beta.peers()).toEqual(['alpha']);
    });
    const a = collector(alpha.runtime as Runtime);
    const b = collector(beta.runtime as Runtime);
    await toAlpha.sendTo(a.pid, bytes('to alpha'));
    await toBeta.sendTo(b.pid, bytes('to beta'));
    await eventually(() => expect(a.got.map(text)).toEqual(['to alpha']));
    await eventually(() => expect(b.got.map(text)).toEqual(['to beta']));
    // The link each side kept is the same connection: it survives a few heartbeats.
    expect(await alpha.ping('beta')).toBe('pong');
    expect(await beta.ping('alpha')).toBe('pong');
  });

  it('returns the existing link when a connect under another address is refused as a duplicate', async () => {
    const alpha = await nodes.start('alpha', identity);
    // Listening on every address: 127.0.0.2 reaches beta too (Linux loopback is 127/8), so
    // connect() does not recognise the address, dials, and beta refuses the second link.
    const beta = await nodes.start('beta', identity, { host: '0.0.0.0' });
    const first = await alpha.connect('127.0.0.1', beta.port);
    const again = await alpha.connect('127.0.0.2', beta.port);
    expect([first.name, again.name]).toEqual(['beta', 'beta']);
    expect(alpha.peers()).toEqual(['beta']);
    expect(await alpha.ping('beta')).toBe('pong');
  });

  it('waits for the link the other side keeps when its dial is refused as a crossing dial', async () => {
    const alpha = await nodes.start('alpha', identity);
    // A stand-in for node 'ghost': it refuses alpha's dial as a crossing dial, then dials alpha itself.
    const ghost = createTlsTransport(identity);
    transports.push(ghost);
    const hellos: Frame[] = [];
    const listener = await ghost.listen('127.0.0.1', 0, (conn) => {
      const dec = new FrameDecoder();
      conn.main.onData((chunk) => {
        dec.pushTo(chunk, hellos);
        conn.main.write(
          encodeFrame([FrameType.Reject, 'duplicate: crossing dial, ghost dials alpha', 'ghost']),
        );
      });
    });
    const connecting = alpha.connect('127.0.0.1', listener.port);
    await eventually(() => expect(hellos.map((f) => f[0])).toEqual([FrameType.Hello]));
    const raw = await RawPeer.dial(identity, alpha.port);
    raws.push(raw);
    await raw.join('ghost');
    expect((await connecting).name).toBe('ghost');
    expect(alpha.peers()).toEqual(['ghost']);
  });

  it('ends a connect() waiting for the link the other side keeps with a ClosedError when the node closes', async () => {
    // The wait is bounded by handshakeTimeout; a long one shows that close() ends it, not the timer.
    const alpha = await nodes.start('alpha', identity, { handshakeTimeout: 120_000 });
    const ghost = createTlsTransport(identity);
    transports.push(ghost);
    let refusedLinkClosed = false;
    const listener = await ghost.listen('127.0.0.1', 0, (conn) => {
      conn.onClose(() => {
        refusedLinkClosed = true;
      });
      conn.main.onData(() =>
        conn.main.write(encodeFrame([FrameType.Reject, 'duplicate: already linked to alpha', 'ghost'])),
      );
    });
    const connecting = alpha.connect('127.0.0.1', listener.port);
    const outcome = connecting.then(
      () => 'linked',
      (err: unknown) => err,
    );
    // alpha drops the refused link before it starts waiting for the kept one (which never comes).
    await eventually(() => expect(refusedLinkClosed).toBe(true));
    await alpha.close();
    const err = await outcome;
    expect(err).toBeInstanceOf(ClosedError);
    expect((err as ClosedError).message).toContain('alpha');
  });

  it('types a duplicate refusal as a HandshakeError naming the refusing node', () => {
    const err = new DuplicateLinkError('refused', 'beta');
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.code).toBe('WACTOR_ERR_CLUSTER_HANDSHAKE');
    expect(err.peer).toBe('beta');
  });

  it('replaces the link of a node that comes back with a new incarnation, and refuses a duplicate', async () => {
    const alpha = await nodes.start('alpha', identity);
    const events: string[] = [];
    alpha.on('nodeup', (e) => events.push(`up ${e.node}`));
    alpha.on('nodedown', (e) => events.push(`down ${e.node}`));
    const first = await RawPeer.dial(identity, alpha.port);
    raws.push(first);
    await first.join('ghost', 1);
    const second = await RawPeer.dial(identity, alpha.port);
    raws.push(second);
    await second.join('ghost', 2);
    await eventually(() => expect(first.closed).toBe(true));
    expect(events).toEqual(['up ghost', 'down ghost', 'up ghost']);
    const third = await RawPeer.dial(identity, alpha.port);
    raws.push(third);
    third.hello('ghost', 2);
    await eventually(() => expect(third.frames[0]?.[0]).toBe(FrameType.Reject));
    expect(third.frames[0]?.[1]).toMatch(/^duplicate: already linked to ghost/);
    expect(alpha.peers()).toEqual(['ghost']);
  });
});
