/**
 * Every wire shape of the cluster protocol, in one place (docs/protocol.md describes them).
 *
 * A frame is a msgpack array whose first element is the frame type; on the wire it is prefixed
 * by its body length as a 4-byte big-endian unsigned integer (see frame-codec.ts). Arrays rather
 * than maps keep frames small and make validation a matter of checking positions.
 *
 * @example
 * const hello: HelloFrame = [FrameType.Hello, PROTOCOL_VERSION, 'alpha', 7, '127.0.0.1', 4100, []];
 * validateFrame(hello); // returns it, or throws a FrameError naming what is wrong
 */
import { MalformedFrameError, UnknownFrameError } from './errors.js';

/** Bumped on any incompatible change; a peer speaking another version is rejected at Hello. */
export const PROTOCOL_VERSION = 1;

/** The default per-frame cap (body bytes). Larger frames close the link. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;

/** Frame type numbers. */
export const FrameType = {
  Hello: 1,
  Welcome: 2,
  Reject: 3,
  Heartbeat: 4,
  Request: 5,
  Reply: 6,
  RegAdd: 7,
  RegDel: 8,
  RegSync: 9,
  PeerUp: 10,
  Monitor: 11,
  Demonitor: 12,
  Down: 13,
  Bye: 14,
  SendName: 20,
  SendPid: 21,
} as const;
export type FrameTypeNumber = (typeof FrameType)[keyof typeof FrameType];

/** A peer a node knows, as `[name, host, port]` (what a joining node dials to complete the mesh). */
export type PeerAddress = [name: string, host: string, port: number];

/**
 * Dialer → acceptor, first frame on the control stream. `incarnation` is random per node start,
 * so a restarted node is told apart from a second connection of the same run.
 */
export type HelloFrame = [
  t: 1,
  version: number,
  name: string,
  incarnation: number,
  host: string,
  port: number,
  peers: PeerAddress[],
];
/** Acceptor → dialer: the link is accepted (only now does the dialer consider it up). */
export type WelcomeFrame = [
  t: 2,
  name: string,
  incarnation: number,
  host: string,
  port: number,
  peers: PeerAddress[],
];
/**
 * Acceptor → dialer: the link is refused; the reason is logged on both sides. `name` is the
 * refusing node's own name (a dialer refused as a duplicate uses it to find the existing link).
 */
export type RejectFrame = [t: 3, reason: string, name: string];
/** Either way, every heartbeat interval. */
export type HeartbeatFrame = [t: 4, seq: number];
/** An RPC request; `id` is unique per link and direction. */
export type RequestFrame = [t: 5, id: number, method: string, args: unknown];
/** The reply to request `id`: `[6, id, true, value]` or `[6, id, false, { code, message }]`. */
export type ReplyFrame = [t: 6, id: number, ok: boolean, value: unknown];
/** The sender's process `pid` now owns global name `name`. */
export type RegAddFrame = [t: 7, name: string, pid: number];
/** The sender no longer owns `name` (unregistered, or its owner died). */
export type RegDelFrame = [t: 8, name: string, pid: number];
/** Every global name the sender owns, sent once when a link comes up. */
export type RegSyncFrame = [t: 9, entries: [name: string, pid: number][]];
/** The sender has a new peer; a receiver with no link to it dials it (full mesh). */
export type PeerUpFrame = [t: 10, name: string, host: string, port: number];
/** Watch process `pid` on the receiver; a Down with the same `ref` follows when it ends. */
export type MonitorFrame = [t: 11, ref: number, pid: number];
export type DemonitorFrame = [t: 12, ref: number];
export type DownFrame = [t: 13, ref: number, pid: number, reason: string];
/** A graceful goodbye: the sender is closing; do not reconnect. */
export type ByeFrame = [t: 14, reason: string];
/** A message for the process registered (locally on the receiver) as `name`. */
export type SendNameFrame = [t: 20, name: string, payload: Uint8Array];
/** A message for process `pid` on the receiver. */
export type SendPidFrame = [t: 21, pid: number, payload: Uint8Array];

export type Frame =
  | HelloFrame
  | WelcomeFrame
  | RejectFrame
  | HeartbeatFrame
  | RequestFrame
  | ReplyFrame
  | RegAddFrame
  | RegDelFrame
  | RegSyncFrame
  | PeerUpFrame
  | MonitorFrame
  | DemonitorFrame
  | DownFrame
  | ByeFrame
  | SendNameFrame
  | SendPidFrame;

/** RPC method names and their argument / result shapes. */
export const RpcMethod = {
  Spawn: 'spawn',
  Pids: 'pids',
  Info: 'info',
  Ping: 'ping',
} as const;

const MAX_NAME = 1024;

function fail(type: number, what: string): never {
  throw new MalformedFrameError(`frame type ${type}: ${what}`);
}

function str(f: unknown[], i: number, type: number, what: string): void {
  const v = f[i];
  if (typeof v !== 'string' || v.length > MAX_NAME)
    fail(type, `${what} must be a string of at most ${MAX_NAME} chars`);
}

function int(f: unknown[], i: number, type: number, what: string): void {
  const v = f[i];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(type, `${what} must be a non-negative integer`);
}

function bytes(f: unknown[], i: number, type: number, what: string): void {
  if (!(f[i] instanceof Uint8Array)) fail(type, `${what} must be binary`);
}

function arity(f: unknown[], n: number, type: number): void {
  if (f.length !== n) fail(type, `expected ${n} elements, got ${f.length}`);
}

function peers(f: unknown[], i: number, type: number): void {
  const list = f[i];
  if (!Array.isArray(list)) fail(type, 'peers must be an array');
  for (const p of list) {
    if (!Array.isArray(p) || p.length !== 3) fail(type, 'each peer must be [name, host, port]');
    str(p, 0, type, 'peer name');
    str(p, 1, type, 'peer host');
    int(p, 2, type, 'peer port');
  }
}

/**
 * Check that a decoded msgpack value is a well-formed frame and return it typed.
 * Throws {@link UnknownFrameError} for an unknown type and {@link MalformedFrameError} otherwise.
 */
export function validateFrame(value: unknown): Frame {
  if (!Array.isArray(value) || value.length === 0) {
    throw new MalformedFrameError('a frame must be a non-empty msgpack array');
  }
  const f = value as unknown[];
  const t = f[0];
  switch (t) {
    case FrameType.Hello:
      arity(f, 7, t);
      int(f, 1, t, 'version');
      str(f, 2, t, 'name');
      int(f, 3, t, 'incarnation');
      str(f, 4, t, 'host');
      int(f, 5, t, 'port');
      peers(f, 6, t);
      break;
    case FrameType.Welcome:
      arity(f, 6, t);
      str(f, 1, t, 'name');
      int(f, 2, t, 'incarnation');
      str(f, 3, t, 'host');
      int(f, 4, t, 'port');
      peers(f, 5, t);
      break;
    case FrameType.Reject:
      arity(f, 3, t);
      str(f, 1, t, 'reason');
      str(f, 2, t, 'name');
      break;
    case FrameType.Bye:
      arity(f, 2, t);
      str(f, 1, t, 'reason');
      break;
    case FrameType.Heartbeat:
      arity(f, 2, t);
      int(f, 1, t, 'seq');
      break;
    case FrameType.Request:
      arity(f, 4, t);
      int(f, 1, t, 'id');
      str(f, 2, t, 'method');
      break;
    case FrameType.Reply:
      arity(f, 4, t);
      int(f, 1, t, 'id');
      if (typeof f[2] !== 'boolean') fail(t, 'ok must be a boolean');
      break;
    case FrameType.RegAdd:
    case FrameType.RegDel:
      arity(f, 3, t);
      str(f, 1, t, 'name');
      int(f, 2, t, 'pid');
      break;
    case FrameType.RegSync: {
      arity(f, 2, t);
      const entries = f[1];
      if (!Array.isArray(entries)) fail(t, 'entries must be an array');
      for (const e of entries) {
        if (!Array.isArray(e) || e.length !== 2) fail(t, 'each entry must be [name, pid]');
        str(e, 0, t, 'entry name');
        int(e, 1, t, 'entry pid');
      }
      break;
    }
    case FrameType.PeerUp:
      arity(f, 4, t);
      str(f, 1, t, 'name');
      str(f, 2, t, 'host');
      int(f, 3, t, 'port');
      break;
    case FrameType.Monitor:
      arity(f, 3, t);
      int(f, 1, t, 'ref');
      int(f, 2, t, 'pid');
      break;
    case FrameType.Demonitor:
      arity(f, 2, t);
      int(f, 1, t, 'ref');
      break;
    case FrameType.Down:
      arity(f, 4, t);
      int(f, 1, t, 'ref');
      int(f, 2, t, 'pid');
      str(f, 3, t, 'reason');
      break;
    case FrameType.SendName:
      arity(f, 3, t);
      str(f, 1, t, 'name');
      bytes(f, 2, t, 'payload');
      break;
    case FrameType.SendPid:
      arity(f, 3, t);
      int(f, 1, t, 'pid');
      bytes(f, 2, t, 'payload');
      break;
    default:
      throw new UnknownFrameError(typeof t === 'number' || typeof t === 'string' ? t : typeof t);
  }
  return f as Frame;
}
