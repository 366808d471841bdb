/**
 * Wire shapes of the scheduler: what travels in a ring record between two threads, and the
 * control messages (spawn, link, monitor, exit, names, queries) that share the rings with user
 * messages so that every signal between two threads keeps its order relative to the messages.
 *
 * A ring record starts with a 9-byte head — the target pid (f64 little-endian, 0 for control)
 * and a one-byte tag — followed by the body. The consumer splits the head off into a scratch
 * buffer (`RingConsumer.read(…, HEAD_BYTES)`), so the body is the only allocation per message:
 *
 * | tag | body                 | meaning                                  |
 * | --- | -------------------- | ---------------------------------------- |
 * | 1   | raw payload          | a user message that is a `Uint8Array`     |
 * | 2   | msgpack value        | a user message of plain data              |
 * | 3   | msgpack {@link Control} | a control message                      |
 *
 * @example
 * const rec = encodeUser(7170, new Uint8Array([1, 2]));
 * decodeRecord(rec); // { kind: 'user', pid: 7170, msg: Uint8Array [1, 2] }
 */
import { Packr } from 'msgpackr';
import { describe } from '../runtime/pid.js';
import type { ExitReason, Pid, ProcessInfo, SpawnOptions } from '../runtime/types.js';
import type { Grants, Profile } from '../wasm-actors/capabilities.js';
import { CrossShardMessageError } from './errors.js';

export const TAG_BYTES = 1;
export const TAG_PACKED = 2;
export const TAG_CONTROL = 3;

const packr = new Packr({ useRecords: false, moreTypes: false });
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

/**
 * What a thread is asked to spawn: a JS actor module (an ESM file URL whose default export is a
 * Behaviour), or a Wasm module (a `.wasm` file URL run by the wasm-actors host) with its spawn
 * arguments and hosting mode.
 */
export interface ModuleSpawn {
  readonly module: string;
  readonly kind?: 'js' | 'wasm';
  readonly args?: Uint8Array | string;
  readonly mode?: 'isolated' | 'shared';
  /** Capability profile and grants of a Wasm module (wasm-actors/capabilities.ts). */
  readonly profile?: Profile;
  readonly grants?: Grants;
  readonly options?: SpawnOptions;
}

/** Serialized error: `{ code, message }` (see runtime/errors.ts). */
export interface WireError {
  readonly code: string;
  readonly message: string;
}

/** Control messages between threads. `ref` values are monitor refs minted by the watcher's thread. */
export type Control =
  | { readonly t: 'spawn'; readonly id: number; readonly spec: ModuleSpawn; readonly from: number }
  | { readonly t: 'spawned'; readonly id: number; readonly pid?: Pid; readonly error?: WireError }
  | { readonly t: 'link'; readonly a: Pid; readonly b: Pid }
  | { readonly t: 'unlink'; readonly a: Pid; readonly b: Pid }
  | {
      readonly t: 'linkExit';
      readonly from: Pid;
      readonly to: Pid;
      readonly reason: ExitReason;
      readonly error?: WireError;
    }
  | { readonly t: 'monitor'; readonly ref: number; readonly watcher: Pid; readonly target: Pid }
  | { readonly t: 'demonitor'; readonly ref: number; readonly target: Pid }
  | {
      readonly t: 'down';
      readonly ref: number;
      readonly watcher: Pid;
      readonly target: Pid;
      readonly reason: ExitReason;
      readonly error?: WireError;
    }
  | { readonly t: 'exit'; readonly pid: Pid; readonly reason: ExitReason }
  | { readonly t: 'signal'; readonly from: Pid; readonly to: Pid; readonly reason: ExitReason }
  | { readonly t: 'trap'; readonly pid: Pid; readonly on: boolean }
  | { readonly t: 'notify'; readonly pid: Pid; readonly msg: unknown }
  | { readonly t: 'ownName'; readonly name: string; readonly pid: Pid }
  | {
      readonly t: 'query';
      readonly id: number;
      readonly from: number;
      readonly q: 'info' | 'list' | 'stats';
      readonly pid?: Pid;
    }
  | { readonly t: 'answer'; readonly id: number; readonly value: unknown }
  // The main thread's synchronous isAlive: answered on the shard's reply cell (spawn-reply.ts).
  | { readonly t: 'alive'; readonly id: number; readonly pid: Pid }
  | { readonly t: 'shardLost'; readonly slot: number; readonly culprit: Pid; readonly reason: ExitReason }
  | { readonly t: 'load'; readonly module: string }
  // A guest's `run_job`, sent by its shard to the main thread (which owns the job pool).
  | {
      readonly t: 'job';
      readonly name: string;
      readonly args: Uint8Array;
      readonly replyTo: Pid;
      readonly id: number;
      readonly timeoutMs: number;
    }
  // The job names guests may start (every shard keeps the set to answer `run_job` at once).
  | { readonly t: 'jobNames'; readonly names: readonly string[] }
  | { readonly t: 'close' };

export type Decoded =
  | { readonly kind: 'user'; readonly pid: Pid; readonly msg: unknown }
  | { readonly kind: 'control'; readonly control: Control };

/**
 * Throw {@link CrossShardMessageError} unless `value` is plain data msgpackr carries faithfully:
 * null, booleans, numbers, strings, bigints, Uint8Array, Date, arrays and plain objects of those.
 */
export function assertPlain(value: unknown, path = 'msg', depth = 0): void {
  if (depth > 64) throw new CrossShardMessageError(`${path} is nested deeper than 64 levels (a cycle?)`);
  if (value === null || value === undefined) return;
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'bigint':
      return;
    case 'object': {
      if (value instanceof Uint8Array || value instanceof Date) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) assertPlain(value[i], `${path}[${i}]`, depth + 1);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        throw new CrossShardMessageError(
          `${path} is an instance of ${name}: a message crossing shards must be a Uint8Array or plain data (objects, arrays, strings, numbers, booleans, null)`,
        );
      }
      for (const key of Object.keys(value)) {
        assertPlain((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      }
      return;
    }
    default:
      throw new CrossShardMessageError(
        `${path} is ${describe(value)} (${typeof value}): a message crossing shards must be a Uint8Array or plain data`,
      );
  }
}

/** Bytes of a record's head: the pid (f64 LE) then the tag. */
export const HEAD_BYTES = 9;

/** Write a record head (pid, tag) into `out`. */
function header(out: Uint8Array, tag: number, pid: Pid): void {
  scratch[0] = pid;
  for (let i = 0; i < 8; i++) out[i] = scratchBytes[i] as number;
  out[8] = tag;
}

/** The pid in a record head. */
export function headPid(head: Uint8Array): Pid {
  for (let i = 0; i < 8; i++) scratchBytes[i] = head[i] as number;
  return scratch[0] as number;
}

/** The tag in a record head. */
export function headTag(head: Uint8Array): number {
  return head[8] as number;
}

/**
 * A user message for `pid` as `[head, body]`, ready for `RingProducer.sendParts` (no concatenation).
 * `head` is a shared scratch buffer: use it before the next call. Throws
 * {@link CrossShardMessageError} for values that are not plain data.
 */
const headScratch = new Uint8Array(HEAD_BYTES);
export function encodeUserParts(pid: Pid, msg: unknown): [Uint8Array, Uint8Array] {
  if (msg instanceof Uint8Array && msg.constructor === Uint8Array) {
    header(headScratch, TAG_BYTES, pid);
    return [headScratch, msg];
  }
  assertPlain(msg);
  header(headScratch, TAG_PACKED, pid);
  return [headScratch, packr.pack(msg)];
}

/** A control message as `[head, body]` (same scratch rule as {@link encodeUserParts}). */
export function encodeControlParts(control: Control): [Uint8Array, Uint8Array] {
  header(headScratch, TAG_CONTROL, 0);
  return [headScratch, packr.pack(control)];
}

/** Join a head and a body into one record (tests, and the rare paths that need one array). */
export function joinRecord([head, body]: [Uint8Array, Uint8Array]): Uint8Array {
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Encode a user message for `pid` as one record; throws {@link CrossShardMessageError} for non-plain values. */
export function encodeUser(pid: Pid, msg: unknown): Uint8Array {
  return joinRecord(encodeUserParts(pid, msg));
}

export function encodeControl(control: Control): Uint8Array {
  return joinRecord(encodeControlParts(control));
}

/** Decode the body of a record whose head was split off. */
export function decodeBody(head: Uint8Array, body: Uint8Array): Decoded {
  const tag = headTag(head);
  if (tag === TAG_BYTES) return { kind: 'user', pid: headPid(head), msg: body };
  if (tag === TAG_PACKED) return { kind: 'user', pid: headPid(head), msg: packr.unpack(body) };
  if (tag === TAG_CONTROL) return { kind: 'control', control: packr.unpack(body) as Control };
  throw new CrossShardMessageError(`unknown ring record tag ${String(tag)}`);
}

/** Decode a whole record (head and body in one array). */
export function decodeRecord(bytes: Uint8Array): Decoded {
  return decodeBody(bytes.subarray(0, HEAD_BYTES), bytes.subarray(HEAD_BYTES));
}

/** Encode a value that is only known to be plain at run time (e.g. `info` answers). */
export function toWire(info: ProcessInfo | undefined): unknown {
  return info === undefined ? null : { ...info };
}
