import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandshakeError } from '../../cluster/errors.js';
import { ClusterCa, Identity } from '../../cluster/identity.js';
import { CloseSignal, type Connection, type Transport, withDeadline } from '../../cluster/transport.js';
import { createQuicTransport } from '../../cluster/transport-quic.js';
import { createTlsTransport } from '../../cluster/transport-tls.js';
import { eventually } from '../helpers/eventually.js';

type Factory = (id: Identity) => Transport;
const transports: [string, Factory][] = [
  ['tls', (id) => createTlsTransport(id)],
  ['quic', (id) => createQuicTransport(id)],
];

let shared: Identity;
let other: Identity;
let ca: ClusterCa;
let foreignCa: ClusterCa;

beforeAll(async () => {
  [shared, other, ca, foreignCa] = await Promise.all([
    Identity.generate(),
    Identity.generate(),
    ClusterCa.generate(),
    ClusterCa.generate(),
  ]);
});

describe.each(transports)('transport conformance: %s', (_kind, create) => {
  const open: Transport[] = [];
  const make = (id: Identity): Transport => {
    const t = create(id);
    open.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });

  async function echoServer(id: Identity): Promise<{ port: number; accepted: Connection[] }> {
    const accepted: Connection[] = [];
    const l = await make(id).listen('127.0.0.1', 0, (c) => {
      accepted.push(c);
      c.main.onData((b) => c.main.write(b));
    });
    return { port: l.port, accepted };
  }

  function collect(conn: Connection): () => Buffer {
    const parts: Buffer[] = [];
    conn.main.onData((b) => parts.push(Buffer.from(b)));
    return () => Buffer.concat(parts);
  }

  it('carries bytes both ways in order over a connection with a pinned shared identity', async () => {
    const { port } = await echoServer(shared);
    const conn = await make(shared).dial('127.0.0.1', port);
    const got = collect(conn);
    const sent: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(`msg-${i};`);
      sent.push(b);
      conn.main.write(b);
    }
    await eventually(() => expect(got().toString()).toBe(Buffer.concat(sent).toString()));
    expect(conn.remote.name).toBeUndefined();
    expect(conn.remote.id).toBeTypeOf('string');
  });

  it('keeps order across many reads and writes when a megabyte crosses in pieces', async () => {
    // Far more than one packet/record: the reader (quic pipelines its reads) and the writer
    // (serialized, batching what queues) both run many cycles.
    const { port } = await echoServer(shared);
    const conn = await make(shared).dial('127.0.0.1', port);
    const got = collect(conn);
    const sent: Buffer[] = [];
    for (let turn = 0; turn < 16; turn++) {
      for (let i = 0; i < 64; i++) {
        const b = Buffer.alloc(1024, (turn * 64 + i) % 251);
        b.writeUInt32BE(turn * 64 + i, 0);
        sent.push(b);
        conn.main.write(b);
      }
      await new Promise((r) => setImmediate(r));
    }
    const want = Buffer.concat(sent);
    await eventually(() => expect(got().length).toBe(want.length));
    expect(got().equals(want)).toBe(true);
  });

  it('refuses a dialer with another certificate and keeps accepting', async () => {
    const { port, accepted } = await echoServer(shared);
    await expect(make(other).dial('127.0.0.1', port)).rejects.toBeInstanceOf(HandshakeError);
    expect(accepted).toHaveLength(0);
    const ok = await make(shared).dial('127.0.0.1', port);
    expect(ok.remote.name).toBeUndefined();
  });

  it('refuses to connect to a listener with another certificate', async () => {
    const { port } = await echoServer(other);
    await expect(make(shared).dial('127.0.0.1', port)).rejects.toBeInstanceOf(HandshakeError);
  });

  it('connects CA-issued nodes and reports the name their certificate vouches for', async () => {
    const [alpha, beta] = await Promise.all([ca.issue('alpha'), ca.issue('beta')]);
    const { port, accepted } = await echoServer(alpha);
    const conn = await make(beta).dial('127.0.0.1', port);
    expect(conn.remote.name).toBe('alpha');
    await eventually(() => expect(accepted[0]?.remote.name).toBe('beta'));
  });

  it('refuses a node whose certificate comes from a foreign CA', async () => {
    const [alpha, mallory] = await Promise.all([ca.issue('alpha'), foreignCa.issue('beta')]);
    const { port, accepted } = await echoServer(alpha);
    await expect(make(mallory).dial('127.0.0.1', port)).rejects.toBeInstanceOf(HandshakeError);
    expect(accepted).toHaveLength(0);
  });

  it('tells the other side when a connection closes', async () => {
    const { port, accepted } = await echoServer(shared);
    const conn = await make(shared).dial('127.0.0.1', port);
    await eventually(() => expect(accepted).toHaveLength(1));
    const closed = new Promise<void>((r) => accepted[0]!.onClose(() => r()));
    await conn.close();
    await closed;
  });

  it('rejects a dial to a port nobody listens on', async () => {
    const { port } = await echoServer(shared);
    await open[0]!.close();
    await expect(make(shared).dial('127.0.0.1', port, { timeout: 4000 })).rejects.toBeInstanceOf(
      HandshakeError,
    );
  });
});

describe('CloseSignal', () => {
  it('fires once, runs `first` before the handlers, and tells late handlers the same error', () => {
    const signal = new CloseSignal();
    const seen: string[] = [];
    signal.on((err) => seen.push(`early ${err?.message}`));
    const boom = new Error('boom');
    expect(
      signal.fire(boom, () => {
        seen.push(`first closed=${signal.closed}`);
        expect(signal.fire(undefined)).toBe(false); // a re-entrant close is a no-op
      }),
    ).toBe(true);
    expect(signal.fire(new Error('again'))).toBe(false);
    signal.on((err) => seen.push(`late ${err?.message}`));
    expect(seen).toEqual(['first closed=true', 'early boom', 'late boom']);
  });
});

describe('withDeadline', () => {
  const never = new Promise<never>(() => {});

  it('passes the value through when the attempt settles first, without giving up', async () => {
    let gaveUp = false;
    const v = await withDeadline(Promise.resolve(7), 60_000, 'dial x', { giveUp: () => (gaveUp = true) });
    expect(v).toBe(7);
    expect(gaveUp).toBe(false);
    await expect(withDeadline(Promise.reject(new Error('boom')), 60_000, 'dial x')).rejects.toThrow('boom');
  });

  it('rejects with a HandshakeError naming the attempt and gives up when the time runs out', async () => {
    let gaveUp = 0;
    const err = await withDeadline(never, 1, 'dial 10.0.0.1:9', { giveUp: () => gaveUp++ }).catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.message).toBe('dial 10.0.0.1:9 timed out after 1 ms');
    expect(gaveUp).toBe(1);
  });

  it('rejects and gives up when the signal aborts, also when it was aborted already', async () => {
    const ac = new AbortController();
    let gaveUp = 0;
    const p = withDeadline(never, 60_000, 'identity exchange', { signal: ac.signal, giveUp: () => gaveUp++ });
    ac.abort();
    await expect(p).rejects.toThrow('identity exchange aborted');
    await expect(
      withDeadline(never, 60_000, 'dial y', { signal: ac.signal, giveUp: () => gaveUp++ }),
    ).rejects.toBeInstanceOf(HandshakeError);
    expect(gaveUp).toBe(2);
  });
});

describe('identity', () => {
  it('round-trips through PEM', () => {
    const again = Identity.fromPem(shared.toPem());
    expect(again.fingerprint).toBe(shared.fingerprint);
    expect(again.mode).toBe('shared');
  });

  it('issues certificates naming the node and round-trips them with their CA', async () => {
    const id = await ca.issue('gamma');
    expect(id.name).toBe('gamma');
    expect(id.mode).toBe('ca');
    expect(Identity.fromPem(id.toPem()).name).toBe('gamma');
    const caAgain = await ClusterCa.fromPem(ca.toPem());
    expect((await caAgain.issue('delta')).verifyPeer(id.cert).name).toBe('gamma');
  });

  it('rejects a bad node name, naming the rule', async () => {
    await expect(ca.issue('no spaces')).rejects.toThrow(/name must be 1-63 characters/);
  });

  it('rejects a key that does not match the certificate', () => {
    expect(() => Identity.fromPem({ cert: shared.certPem, key: other.keyPem })).toThrow(/does not match/);
  });
});
