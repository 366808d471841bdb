/**
 * QUIC through the Rust `quinn` stack, using the napi binding that `@chainsafe/libp2p-quic`
 * (pinned: 2.1.1) ships — its native `QuinnConfig`/`Server`/`Client`/`Connection`/`Stream`,
 * used directly without libp2p. The binding is touched only by this file, quic-connection.ts
 * (streams and connections) and quinn-binding.ts (its shape, loader and configuration).
 *
 * Security model (the binding authenticates peers as libp2p Ed25519 keys through libp2p-TLS,
 * requires a client certificate, but has no allow-list and does not pin the server):
 * - Our identity's Ed25519 key *is* the QUIC key, so the peer id in `remoteMultiaddr()` is a
 *   proof of possession of the key behind it.
 * - shared mode: the peer id must equal the cluster identity's peer id.
 * - ca mode: the dialer sends its CA-issued certificate as the first bytes of the main stream;
 *   the listener checks it chains to the cluster CA and that its key is the peer id's key, and
 *   only then answers {@link ACCEPT_BYTE} followed by its own certificate, which the dialer
 *   checks the same way. `dial` resolves only after that, as with TLS.
 *
 * Binding traps handled here and in quic-connection.ts (docs/protocol.md): concurrent unawaited
 * writes on one stream arrive out of order, so writes are serialized (what queues behind a write
 * in flight goes out as one write); a failed handshake rejects the pending `inboundConnection()`, so the accept
 * loop keeps going; pending native promises keep the process alive until aborted, so `close()`
 * aborts every connection, server and client; dead peers surface through `maxIdleTimeout`
 * (1 s, keep-alive 300 ms).
 *
 * @example
 * const t = createQuicTransport(await Identity.generate());
 * const l = await t.listen('127.0.0.1', 0, (c) => c.main.onData((b) => c.main.write(b)));
 * const c = await t.dial('127.0.0.1', l.port);
 */
import { X509Certificate } from 'node:crypto';
import { HandshakeError, type IdentityError } from './errors.js';
import { Identity } from './identity.js';
import { MAX_STREAMS, QuicConnection, QuicStream } from './quic-connection.js';
import {
  loadQuinn,
  type NativeClient,
  type NativeConnection,
  peerIdFromMultiaddr,
  peerIdOf,
  quinnConfig,
} from './quinn-binding.js';
import {
  ACCEPT_BYTE,
  type Connection,
  type DialOptions,
  type Listener,
  type PeerIdentity,
  type Transport,
  TransportRegistry,
  withDeadline,
} from './transport.js';

const MAX_CERT = 16 * 1024;

// ------------------------------------------------------------------ the transport

export interface QuicTransportOptions {
  /** QUIC handshake bound, ms (default 5000). */
  readonly handshakeTimeout?: number;
  /** A connection silent this long is dead, ms (default 1000; keep-alives every 300 ms keep live ones up). */
  readonly maxIdleTimeout?: number;
  readonly keepAliveInterval?: number;
  readonly onReject?: (reason: string) => void;
}

function peerOf(native: NativeConnection): string {
  const ma = native.remoteMultiaddr();
  const id = peerIdFromMultiaddr(ma);
  if (id === undefined) throw new HandshakeError(`peer address ${ma} carries no peer id`);
  return id;
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}

/** Check the peer's key (and, in ca mode, its certificate); returns what the peer is. */
function verify(identity: Identity, ownPeerId: string, peerId: string, certDer: Uint8Array): PeerIdentity {
  if (identity.mode === 'shared') {
    if (peerId !== ownPeerId) throw new HandshakeError('peer key is not the pinned cluster identity');
    return { name: undefined, id: peerId };
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certDer);
  } catch (err) {
    throw new HandshakeError('peer sent no valid certificate', { cause: err });
  }
  let name: string | undefined;
  try {
    name = identity.verifyPeer(cert).name;
  } catch (err) {
    throw new HandshakeError(`peer certificate refused: ${(err as IdentityError).message}`, { cause: err });
  }
  if (peerIdOf(Identity.publicKeyOf(cert)) !== peerId) {
    throw new HandshakeError('peer certificate is not for the key the peer authenticated with');
  }
  return { name, id: peerId };
}

async function readCert(stream: QuicStream, held: Uint8Array[]): Promise<Uint8Array> {
  const len = (await stream.readExactly(4, held)).readUInt32BE(0);
  if (len > MAX_CERT) throw new HandshakeError(`peer certificate of ${len} bytes is over ${MAX_CERT}`);
  return len === 0 ? new Uint8Array(0) : await stream.readExactly(len, held);
}

/** Create the QUIC transport for `identity`. */
export function createQuicTransport(identity: Identity, options: QuicTransportOptions = {}): Transport {
  const ownPeerId = peerIdOf(identity.rawKeys().publicKey);
  const ownCert = identity.mode === 'ca' ? new Uint8Array(identity.cert.raw) : new Uint8Array(0);
  const handshakeTimeout = options.handshakeTimeout ?? 5000;
  const tuning = {
    handshakeTimeout,
    maxIdleTimeout: options.maxIdleTimeout ?? 1000,
    keepAliveInterval: options.keepAliveInterval ?? 300,
    maxStreams: MAX_STREAMS,
  };
  let client: NativeClient | undefined;
  let closed = false;
  const registry = new TransportRegistry<QuicConnection>();
  /** Connections still in the identity exchange (not yet tracked): aborted on close. */
  const pending = new Set<NativeConnection>();

  async function accept(native: NativeConnection, onConnection: (c: Connection) => void): Promise<void> {
    pending.add(native);
    try {
      const peerId = peerOf(native);
      const main = new QuicStream(await native.inboundStream(), () => native.abort());
      const held: Uint8Array[] = [];
      const remote = verify(identity, ownPeerId, peerId, await readCert(main, held));
      main.write(Buffer.concat([Uint8Array.of(ACCEPT_BYTE), lengthPrefixed(ownCert)]));
      const conn = registry.track(new QuicConnection(native, main, remote));
      for (const c of held) main.deliver(c);
      main.startReading();
      conn.acceptStreams();
      onConnection(conn);
    } catch (err) {
      options.onReject?.(`refused ${native.remoteMultiaddr()}: ${(err as Error).message}`);
      native.abort();
    } finally {
      pending.delete(native);
    }
  }

  async function listen(
    host: string,
    port: number,
    onConnection: (c: Connection) => void,
  ): Promise<Listener> {
    const napi = await loadQuinn();
    const server = new napi.Server(quinnConfig(napi, identity, tuning), host, port);
    let open = true;
    void (async () => {
      while (open) {
        let native: NativeConnection;
        try {
          native = await server.inboundConnection();
        } catch (err) {
          // A failed handshake rejects the pending accept: keep accepting unless we closed.
          if (!open) return;
          options.onReject?.(`quic handshake failed: ${(err as Error).message}`);
          continue;
        }
        void withDeadline(accept(native, onConnection), handshakeTimeout, 'identity exchange', {
          giveUp: () => native.abort(),
        }).catch(() => {});
      }
    })();
    const listener: Listener = {
      port: server.port(),
      close: async () => {
        open = false;
        registry.forget(listener);
        server.abort();
      },
    };
    return registry.listen(listener);
  }

  async function dialOnce(host: string, port: number): Promise<Connection> {
    const napi = await loadQuinn();
    client ??= new napi.Client(quinnConfig(napi, identity, tuning), 0);
    const native = await client.outboundConnection(host, port);
    pending.add(native);
    try {
      if (closed) throw new HandshakeError('transport closed');
      const peerId = peerOf(native);
      const main = new QuicStream(await native.outboundStream(), () => native.abort());
      main.write(lengthPrefixed(ownCert));
      const held: Uint8Array[] = [];
      const verdict = await main.readExactly(1, held).catch((err: Error) => {
        throw new HandshakeError(`server at ${host}:${port} closed the connection before accepting us`, {
          cause: err,
        });
      });
      if (verdict[0] !== ACCEPT_BYTE)
        throw new HandshakeError(`server at ${host}:${port} sent no acceptance`);
      const remote = verify(identity, ownPeerId, peerId, await readCert(main, held));
      const conn = registry.track(new QuicConnection(native, main, remote));
      for (const c of held) main.deliver(c);
      main.startReading();
      conn.acceptStreams();
      return conn;
    } catch (err) {
      native.abort();
      throw err instanceof HandshakeError
        ? err
        : new HandshakeError(`dial ${host}:${port} failed: ${(err as Error).message}`, { cause: err });
    } finally {
      pending.delete(native);
    }
  }

  async function dial(host: string, port: number, opts: DialOptions = {}): Promise<Connection> {
    if (closed) throw new HandshakeError('transport closed');
    const timeout = opts.timeout ?? handshakeTimeout;
    const attempt = dialOnce(host, port);
    try {
      return await withDeadline(attempt, timeout, `dial ${host}:${port}`, {
        signal: opts.signal,
        // A connection that completes after we gave up must not linger.
        giveUp: () => attempt.then((c) => c.destroy()).catch(() => {}),
      });
    } catch (err) {
      throw err instanceof HandshakeError
        ? err
        : new HandshakeError(`dial ${host}:${port} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  return {
    kind: 'quic',
    listen,
    dial,
    async close() {
      closed = true;
      // Pending native promises keep the process alive until their owners are aborted.
      for (const n of pending) n.abort();
      await registry.closeAll();
      client?.abort();
      client = undefined;
    },
  };
}
