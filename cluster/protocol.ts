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

/**
 * How one frame element is checked: a scalar kind, or a list whose items are fixed-size arrays
 * (each item checked field by field). `any` is carried through unchecked (RPC args and results).
 */
type Check = 'str' | 'int' | 'bytes' | 'bool' | 'any' | ListCheck;
interface ListCheck {
  /** What one item is called in errors ("each peer must be …"). */
  readonly each: string;
  readonly shape: string;
  readonly fields: readonly Field[];
}
type Field = readonly [what: string, check: Check];

const PEERS: ListCheck = {
  each: 'peer',
  shape: '[name, host, port]',
  fields: [
    ['peer name', 'str'],
    ['peer host', 'str'],
    ['peer port', 'int'],
  ],
};
const ENTRIES: ListCheck = {
  each: 'entry',
  shape: '[name, pid]',
  fields: [
    ['entry name', 'str'],
    ['entry pid', 'int'],
  ],
};
const LISTS: Record<string, ListCheck> = { peers: PEERS, entries: ENTRIES };

/**
 * The elements after the type number, per frame type, as `what:check` (the frame's arity is the
 * field count + 1). They mirror the frame types declared above: a new frame is one line here.
 */
const SCHEMAS = new Map<unknown, readonly Field[]>(
  Object.entries({
    [FrameType.Hello]: 'version:int name:str incarnation:int host:str port:int peers:peers',
    [FrameType.Welcome]: 'name:str incarnation:int host:str port:int peers:peers',
    [FrameType.Reject]: 'reason:str name:str',
    [FrameType.Heartbeat]: 'seq:int',
    [FrameType.Request]: 'id:int method:str args:any',
    [FrameType.Reply]: 'id:int ok:bool value:any',
    [FrameType.RegAdd]: 'name:str pid:int',
    [FrameType.RegDel]: 'name:str pid:int',
    [FrameType.RegSync]: 'entries:entries',
    [FrameType.PeerUp]: 'name:str host:str port:int',
    [FrameType.Monitor]: 'ref:int pid:int',
    [FrameType.Demonitor]: 'ref:int',
    [FrameType.Down]: 'ref:int pid:int reason:str',
    [FrameType.Bye]: 'reason:str',
    [FrameType.SendName]: 'name:str payload:bytes',
    [FrameType.SendPid]: 'pid:int payload:bytes',
  } satisfies Record<FrameTypeNumber, string>).map(([type, spec]) => [
    Number(type),
    spec.split(' ').map((field): Field => {
      const [what, check] = field.split(':') as [string, string];
      return [what, LISTS[check] ?? (check as Check)];
    }),
  ]),
);

function fail(type: unknown, what: string): never {
  throw new MalformedFrameError(`frame type ${String(type)}: ${what}`);
}

/** Check `fields` against `values[offset..]`; `type` only labels the error. */
function checkFields(values: unknown[], offset: number, fields: readonly Field[], type: unknown): void {
  for (let i = 0; i < fields.length; i++) {
    const [what, check] = fields[i]!;
    const v = values[offset + i];
    switch (check) {
      case 'any':
        break;
      case 'str':
        if (typeof v !== 'string' || v.length > MAX_NAME)
          fail(type, `${what} must be a string of at most ${MAX_NAME} chars`);
        break;
      case 'int':
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
          fail(type, `${what} must be a non-negative integer`);
        break;
      case 'bytes':
        if (!(v instanceof Uint8Array)) fail(type, `${what} must be binary`);
        break;
      case 'bool':
        if (typeof v !== 'boolean') fail(type, `${what} must be a boolean`);
        break;
      default:
        if (!Array.isArray(v)) fail(type, `${what} must be an array`);
        for (const item of v) {
          if (!Array.isArray(item) || item.length !== check.fields.length)
            fail(type, `each ${check.each} must be ${check.shape}`);
          checkFields(item, 0, check.fields, type);
        }
    }
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
  const fields = SCHEMAS.get(t);
  if (fields === undefined) {
    throw new UnknownFrameError(typeof t === 'number' || typeof t === 'string' ? t : typeof t);
  }
  if (f.length !== fields.length + 1) fail(t, `expected ${fields.length + 1} elements, got ${f.length}`);
  checkFields(f, 1, fields, t);
  return f as Frame;
}
