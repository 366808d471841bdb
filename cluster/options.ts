/**
 * `ClusterNode.start` options, their defaults, and their validation (every bad option fails at
 * `start` with a message naming it and the rule).
 *
 * @example
 * const o = resolveOptions({ name: 'alpha', runtime, identity, seeds: ['127.0.0.1:4370'] });
 * o.seeds // [{ host: '127.0.0.1', port: 4370 }]
 */
import { InvalidArgumentError } from '../runtime/errors.js';
import { consoleLogger, type Logger } from '../runtime/logger.js';
import type { LocalNode } from '../runtime/types.js';
import {
  type FailureDetectorOptions,
  type ResolvedDetectorOptions,
  resolveDetectorOptions,
} from './failure-detector.js';
import { assertNodeName, type Identity } from './identity.js';
import { DEFAULT_MAX_FRAME_BYTES } from './protocol.js';
import type { Transport } from './transport.js';

export interface ClusterNodeOptions {
  /** This node's name, unique in the cluster; with a CA identity it must equal the certificate's CN. */
  readonly name: string;
  readonly runtime: LocalNode;
  readonly identity: Identity;
  /** Address to listen on (default '127.0.0.1'). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (see `ClusterNode.port`). Default 0. */
  readonly port?: number;
  /** Host other nodes should dial (default: `host`, or 127.0.0.1 for a wildcard host). */
  readonly advertiseHost?: string;
  /** Nodes to join through, as 'host:port' or { host, port }; reconnected with backoff when lost. */
  readonly seeds?: readonly (string | { readonly host: string; readonly port: number })[];
  /** 'tls' (default) or 'quic', or a Transport instance. */
  readonly transport?: 'tls' | 'quic' | Transport;
  readonly failureDetector?: FailureDetectorOptions;
  /** Default RPC timeout in ms (default 5000). */
  readonly rpcTimeout?: number;
  /** Bound on dialing + handshake in ms (default 5000). */
  readonly handshakeTimeout?: number;
  /** Per-frame cap in bytes (default 8 MiB). */
  readonly maxFrameBytes?: number;
  /** Message lanes per link on multiplexing transports (default 4). */
  readonly lanes?: number;
  /** Reconnect backoff to seeds: first delay and cap, ms (default 100 / 5000). */
  readonly reconnect?: { readonly initialDelay?: number; readonly maxDelay?: number };
  readonly logger?: Logger;
}

export interface ResolvedOptions {
  readonly name: string;
  readonly runtime: LocalNode;
  readonly identity: Identity;
  readonly host: string;
  readonly port: number;
  readonly advertiseHost: string;
  readonly seeds: readonly { readonly host: string; readonly port: number }[];
  readonly transport: 'tls' | 'quic' | Transport;
  readonly detector: ResolvedDetectorOptions;
  readonly rpcTimeout: number;
  readonly handshakeTimeout: number;
  readonly maxFrameBytes: number;
  readonly lanes: number;
  readonly reconnect: { readonly initialDelay: number; readonly maxDelay: number };
  readonly logger: Logger;
}

function parseSeed(seed: unknown, i: number): { host: string; port: number } {
  if (typeof seed === 'string') {
    const at = seed.lastIndexOf(':');
    const port = Number(seed.slice(at + 1));
    if (at > 0 && Number.isInteger(port) && port > 0 && port < 65536) {
      return { host: seed.slice(0, at).replace(/^\[|\]$/g, ''), port };
    }
  } else if (seed && typeof seed === 'object') {
    const s = seed as { host?: unknown; port?: unknown };
    if (typeof s.host === 'string' && Number.isInteger(s.port) && (s.port as number) > 0) {
      return { host: s.host, port: s.port as number };
    }
  }
  throw new InvalidArgumentError(
    `options.seeds[${i}] must be 'host:port' or { host, port }, got ${JSON.stringify(seed)}`,
  );
}

function positive(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive number, got ${String(value)}`);
  }
  return v;
}

/** Validate `options` and fill in the defaults. */
export function resolveOptions(options: ClusterNodeOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('options must be an object');
  assertNodeName(options.name, 'options.name');
  if (options.runtime === null || typeof options.runtime?.spawn !== 'function') {
    throw new InvalidArgumentError('options.runtime must be a LocalNode (e.g. a Runtime)');
  }
  if (options.identity === null || typeof options.identity?.verifyPeer !== 'function') {
    throw new InvalidArgumentError('options.identity must be an Identity');
  }
  if (options.identity.mode === 'ca' && options.identity.name !== options.name) {
    throw new InvalidArgumentError(
      `options.name ${JSON.stringify(options.name)} must equal the CA-issued certificate's name ${JSON.stringify(options.identity.name)}`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(
      `options.port must be an integer in 0..65535, got ${String(options.port)}`,
    );
  }
  const transport = options.transport ?? 'tls';
  if (transport !== 'tls' && transport !== 'quic' && typeof (transport as Transport)?.dial !== 'function') {
    throw new InvalidArgumentError(
      `options.transport must be 'tls', 'quic' or a Transport, got ${String(transport)}`,
    );
  }
  const host = options.host ?? '127.0.0.1';
  const initialDelay = positive(options.reconnect?.initialDelay, 100, 'options.reconnect.initialDelay');
  return {
    name: options.name,
    runtime: options.runtime,
    identity: options.identity,
    host,
    port,
    advertiseHost: options.advertiseHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    seeds: (options.seeds ?? []).map(parseSeed),
    transport,
    detector: resolveDetectorOptions(options.failureDetector),
    rpcTimeout: positive(options.rpcTimeout, 5000, 'options.rpcTimeout'),
    handshakeTimeout: positive(options.handshakeTimeout, 5000, 'options.handshakeTimeout'),
    maxFrameBytes: positive(options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 'options.maxFrameBytes'),
    lanes: positive(options.lanes, 4, 'options.lanes'),
    reconnect: {
      initialDelay,
      maxDelay: positive(options.reconnect?.maxDelay, 5000, 'options.reconnect.maxDelay'),
    },
    logger: options.logger ?? consoleLogger,
  };
}
