/**
 * Mutual TLS over TCP (`node:tls`, TLS 1.3): the baseline transport and the fallback operators
 * may choose (`transport: 'tls'`). One TCP connection carries one ordered stream (`maxStreams`
 * is 1), so the cluster's control frames and message lanes share it.
 *
 * Acceptance is explicit: in TLS 1.3 the dialer's handshake completes before the listener has
 * looked at the dialer's certificate, so the listener verifies it with {@link Identity.verifyPeer}
 * and only then writes {@link ACCEPT_BYTE}; `dial` resolves on that byte and fails if the
 * connection closes first.
 *
 * @example
 * const t = createTlsTransport(await Identity.generate());
 * const l = await t.listen('127.0.0.1', 0, (c) => c.main.onData((b) => c.main.write(b)));
 * const c = await t.dial('127.0.0.1', l.port);
 */
import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { HandshakeError } from './errors.js';
import type { Identity } from './identity.js';
import {
  ACCEPT_BYTE,
  BufferedStream,
  type ByteStream,
  CloseSignal,
  type Connection,
  type DialOptions,
  type Listener,
  type PeerIdentity,
  type Transport,
  TransportRegistry,
  withDeadline,
} from './transport.js';

class TlsConnection implements Connection {
  readonly remote: PeerIdentity;
  readonly remoteAddress: string;
  readonly maxStreams = 1;
  readonly main: BufferedStream;
  readonly #socket: tls.TLSSocket;
  readonly #closed = new CloseSignal();
  #closing: Promise<void> | undefined;

  constructor(socket: tls.TLSSocket, remote: PeerIdentity, head: Uint8Array | undefined) {
    this.#socket = socket;
    this.remote = remote;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.main = new BufferedStream((chunk) => socket.write(chunk));
    if (head && head.length > 0) this.main.deliver(head);
    socket.on('data', (chunk: Buffer) => this.main.deliver(chunk));
    socket.on('drain', () => this.main.drained());
    let error: Error | undefined;
    socket.on('error', (err) => {
      error = err;
    });
    socket.on('close', () => {
      this.main.end(error);
      this.#closed.fire(error);
    });
  }

  openStream(): Promise<ByteStream> {
    return Promise.reject(new HandshakeError('the tls transport carries one stream per connection'));
  }

  onStream(): void {}

  onClose(handler: (err?: Error) => void): void {
    this.#closed.on(handler);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.onClose(() => resolve());
      this.#socket.end();
      // A peer that never closes its half must not hold us open forever.
      const t = setTimeout(() => this.#socket.destroy(), 2000);
      t.unref();
    });
    return this.#closing;
  }

  destroy(err?: Error): void {
    this.#socket.destroy(err);
  }
}

function peerOf(identity: Identity, cert: X509Certificate | undefined): PeerIdentity {
  const { name } = identity.verifyPeer(cert);
  return { name, id: cert!.fingerprint256 };
}

export interface TlsTransportOptions {
  /** Handshake + acceptance bound for inbound connections, ms (default 5000). */
  readonly handshakeTimeout?: number;
  /** Called with a reason when an inbound connection is refused (default: ignored). */
  readonly onReject?: (reason: string) => void;
}

/** Create the mutual-TLS transport for `identity`. */
export function createTlsTransport(identity: Identity, options: TlsTransportOptions = {}): Transport {
  const secure: tls.SecureContextOptions = {
    cert: identity.certPem,
    key: identity.keyPem,
    minVersion: 'TLSv1.3',
    ...(identity.caPem === undefined ? {} : { ca: identity.caPem }),
  };
  // In ca mode OpenSSL verifies the chain as well; in shared mode the pin is checked by
  // verifyPeer (a self-signed certificate is no chain). Both modes run verifyPeer.
  const verifyChain = identity.mode === 'ca';
  const registry = new TransportRegistry<TlsConnection>();

  async function listen(
    host: string,
    port: number,
    onConnection: (c: Connection) => void,
  ): Promise<Listener> {
    const sockets = new Set<tls.TLSSocket>();
    const server = tls.createServer(
      {
        ...secure,
        requestCert: true,
        rejectUnauthorized: verifyChain,
        handshakeTimeout: options.handshakeTimeout ?? 5000,
      },
      (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.setNoDelay(true);
        let peer: PeerIdentity;
        try {
          peer = peerOf(identity, socket.getPeerX509Certificate());
        } catch (err) {
          options.onReject?.(`refused ${socket.remoteAddress}: ${(err as Error).message}`);
          socket.destroy();
          return;
        }
        socket.write(Uint8Array.of(ACCEPT_BYTE));
        onConnection(registry.track(new TlsConnection(socket, peer, undefined)));
      },
    );
    // A failed handshake (wrong certificate, garbage) affects that socket only: keep serving.
    server.on('tlsClientError', (err) => options.onReject?.(`tls handshake failed: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const listener: Listener = {
      port: typeof address === 'object' && address ? address.port : port,
      close: () =>
        new Promise<void>((resolve) => {
          registry.forget(listener);
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
    return registry.listen(listener);
  }

  function dial(host: string, port: number, opts: DialOptions = {}): Promise<Connection> {
    const socket = tls.connect({
      ...secure,
      host,
      port,
      rejectUnauthorized: verifyChain,
      // Peers are identified by certificate (pin or CA + CN), not by DNS name.
      checkServerIdentity: () => undefined,
    });
    socket.setNoDelay(true);
    const accepted = new Promise<Connection>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | undefined, conn?: Connection): void => {
        if (done) return;
        done = true;
        socket.off('data', onData);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve(conn!);
      };
      let peer: PeerIdentity | undefined;
      socket.once('secureConnect', () => {
        try {
          peer = peerOf(identity, socket.getPeerX509Certificate());
        } catch (err) {
          finish(
            new HandshakeError(`server at ${host}:${port} refused: ${(err as Error).message}`, {
              cause: err,
            }),
          );
        }
      });
      // The first byte is the listener's verdict on our certificate; anything after it is stream data.
      const onData = (chunk: Buffer): void => {
        if (peer === undefined || chunk[0] !== ACCEPT_BYTE) {
          finish(new HandshakeError(`server at ${host}:${port} sent no acceptance`));
          return;
        }
        socket.pause();
        const conn = registry.track(new TlsConnection(socket, peer, chunk.subarray(1)));
        finish(undefined, conn);
        socket.resume();
      };
      socket.on('data', onData);
      socket.once('error', (err) =>
        finish(new HandshakeError(`dial ${host}:${port} failed: ${err.message}`, { cause: err })),
      );
      socket.once('close', () =>
        finish(
          new HandshakeError(
            `server at ${host}:${port} closed the connection before accepting our certificate`,
          ),
        ),
      );
    });
    return withDeadline(accepted, opts.timeout ?? 5000, `dial ${host}:${port}`, {
      signal: opts.signal,
      // Destroying the socket settles `accepted` (its close handler), so nothing lingers.
      giveUp: () => socket.destroy(),
    });
  }

  return {
    kind: 'tls',
    listen,
    dial,
    close: () => registry.closeAll(),
  };
}
