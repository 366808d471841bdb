/**
 * The Rust `quinn` QUIC stack through the napi binding that `@chainsafe/libp2p-quic` (pinned:
 * 2.1.1) ships: the binding's shape as this project uses it, its loader, the one QUIC
 * configuration both the transport and the raw benchmark baseline use, and libp2p peer ids.
 * Only cluster/transport-quic.ts (and the benchmark's raw quinn echo) import this file.
 *
 * What the binding offers (2.1.1): every call is promise-based and hops to quinn's tokio threads
 * and back (~20 µs each on this VM); `Stream.read(max)` resolves a fresh `Uint8Array` of at most
 * `max` bytes or null at the end; `Stream.write(data)` resolves once quinn has taken all of
 * `data` into its send buffer (quinn's `write_all`); writes issued without awaiting the previous
 * one can reach the peer out of order. There is no knob for the congestion controller, initial
 * window or datagram size: only the fields passed in {@link quinnConfig}.
 *
 * @example
 * const napi = await loadQuinn();
 * const server = new napi.Server(quinnConfig(napi, identity, {}), '127.0.0.1', 0);
 */
import type { Identity } from './identity.js';

export interface NativeStream {
  read(max: number): Promise<Uint8Array | null | undefined>;
  write(data: Uint8Array): Promise<void>;
  finishWrite(): Promise<void>;
}
export interface NativeConnection {
  remoteMultiaddr(): string;
  inboundStream(): Promise<NativeStream>;
  outboundStream(): Promise<NativeStream>;
  closed(): Promise<void>;
  abort(): void;
}
export interface NativeServer {
  port(): number;
  inboundConnection(): Promise<NativeConnection>;
  abort(): void;
}
export interface NativeClient {
  outboundConnection(ip: string, port: number): Promise<NativeConnection>;
  abort(): void;
}
export interface Quinn {
  QuinnConfig: new (config: Record<string, unknown>) => unknown;
  Server: new (config: unknown, ip: string, port: number) => NativeServer;
  Client: new (config: unknown, family: number) => NativeClient;
}

let loading: Promise<Quinn> | undefined;

/**
 * Tokio worker threads for the binding's runtime unless the operator set `TOKIO_WORKER_THREADS`
 * (tokio reads it when the runtime starts; it is process-wide, so it also applies to other
 * tokio-based native modules started later in this process, and child processes inherit it).
 * Every binding call hands work to a tokio worker and back; with one worker quinn's tasks and
 * the endpoint driver share a thread, so fewer cross-thread wake-ups compete for the cores with
 * the JS thread. Alternating runs on 2 vCPUs at load 6–9 against tokio's default of one worker
 * per core (docs/protocol.md): CPU per cluster round trip −36–47%; as child processes the raw
 * quinn echo +53–104% and the cluster over quic +11–43% round trips/s; in-process 3 of 4 pairs
 * better; p50 unchanged.
 */
export const DEFAULT_TOKIO_WORKERS = '1';

/** Load the native module once (it starts quinn's runtime threads on first use). */
export function loadQuinn(): Promise<Quinn> {
  // An empty value makes tokio panic at start: treat it as unset.
  if (!process.env.TOKIO_WORKER_THREADS) process.env.TOKIO_WORKER_THREADS = DEFAULT_TOKIO_WORKERS;
  // The package exports only its libp2p transport; its native loader sits beside it.
  loading ??= import(
    new URL('./napi.js', import.meta.resolve('@chainsafe/libp2p-quic')).href
  ) as Promise<Quinn>;
  return loading;
}

export interface QuinnTuning {
  /** QUIC handshake bound, ms (default 5000). */
  readonly handshakeTimeout?: number;
  /** A connection silent this long is dead, ms (default 1000). */
  readonly maxIdleTimeout?: number;
  /** Keep-alive period, ms (default 300). */
  readonly keepAliveInterval?: number;
  /** Concurrent bidirectional streams a peer may open (default 64). */
  readonly maxStreams?: number;
}

/**
 * The binding's config for `identity`'s Ed25519 key. Flow-control windows are large (10 MB per
 * stream, 15 MB per connection) so a burst of coalesced frames never waits for a window update
 * on loopback; socket buffers 2 MB.
 */
export function quinnConfig(napi: Quinn, identity: Identity, tuning: QuinnTuning): unknown {
  const { privateKey, publicKey } = identity.rawKeys();
  return new napi.QuinnConfig({
    // libp2p's protobuf PrivateKey { Type: Ed25519, Data: seed || public key }.
    privateKeyProto: Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x40]), privateKey, publicKey]),
    handshakeTimeout: tuning.handshakeTimeout ?? 5000,
    maxIdleTimeout: tuning.maxIdleTimeout ?? 1000,
    keepAliveInterval: tuning.keepAliveInterval ?? 300,
    maxConcurrentStreamLimit: tuning.maxStreams ?? 64,
    maxStreamData: 10_000_000,
    maxConnectionData: 15_000_000,
    receiveBufferSize: 2_000_000,
    sendBufferSize: 2_000_000,
  });
}

// ------------------------------------------------------------------ peer ids

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** The libp2p peer id of an Ed25519 public key: base58btc(identity multihash(protobuf key)). */
export function peerIdOf(publicKey: Uint8Array): string {
  const proto = Buffer.concat([Buffer.from([0x08, 0x01, 0x12, 0x20]), publicKey]);
  return base58(Buffer.concat([Buffer.from([0x00, proto.length]), proto]));
}

/** The peer id at the end of a multiaddr (`…/p2p/<id>`), or undefined if it carries none. */
export function peerIdFromMultiaddr(ma: string): string | undefined {
  const at = ma.lastIndexOf('/p2p/');
  return at < 0 ? undefined : ma.slice(at + 5);
}
