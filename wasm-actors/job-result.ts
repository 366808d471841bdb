/**
 * One-off jobs from guests (docs/abi.md, "Jobs"): the hook a node offers the Wasm host to start a
 * job registered by name, and the byte layout of the result message the guest receives later.
 *
 * Layout (little-endian, 16-byte header then payload):
 *
 * | offset | size | field                                                        |
 * |--------|------|--------------------------------------------------------------|
 * | 0      | 4    | magic: ASCII `wjob`                                          |
 * | 4      | 4    | u32 status: 0 = ok, 1 = error                                |
 * | 8      | 8    | f64 job id (what `run_job` returned)                         |
 * | 16     | rest | ok: the job's result bytes; error: UTF-8 `<code> <message>`  |
 */
import type { Pid } from '../runtime/types.js';

/** What the Wasm host asks its node for when a guest calls `run_job`. */
export interface GuestJobRequest {
  /** The job's registered name. */
  readonly name: string;
  /** The guest's argument bytes (a copy the node may keep). */
  readonly args: Uint8Array;
  /** The actor that receives the result message. */
  readonly replyTo: Pid;
  /** The id the guest got back from `run_job` (echoed in the result). */
  readonly id: number;
  /** Milliseconds before the job is abandoned with a timeout error; 0 = no timeout. */
  readonly timeoutMs: number;
}

/** How a node answers a job request: started, no job of that name, or not accepting jobs. */
export type JobStart = 'started' | 'unknown' | 'closed';

/** A decoded job-result message. */
export type JobResult =
  | { readonly id: number; readonly ok: true; readonly value: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly message: string };

const MAGIC = [0x77, 0x6a, 0x6f, 0x62]; // "wjob"
export const JOB_RESULT_HEADER = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function header(id: number, status: number, payload: number): Uint8Array {
  const out = new Uint8Array(JOB_RESULT_HEADER + payload);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, status, true);
  view.setFloat64(8, id, true);
  return out;
}

/**
 * The message a guest receives for a job that succeeded with `value`.
 *
 * @example
 * encodeJobOk(3, new Uint8Array([1, 2])); // 'wjob', 0, 3.0, then 1 2
 */
export function encodeJobOk(id: number, value: Uint8Array): Uint8Array {
  const out = header(id, 0, value.byteLength);
  out.set(value, JOB_RESULT_HEADER);
  return out;
}

/**
 * The message a guest receives for a job that failed (threw, timed out, was refused).
 *
 * @example
 * encodeJobError(3, 'WACTOR_ERR_SCHEDULER_JOB_TIMEOUT', 'run: the job did not finish within 50 ms');
 */
export function encodeJobError(id: number, code: string, message: string): Uint8Array {
  const text = encoder.encode(`${code} ${message}`);
  const out = header(id, 1, text.byteLength);
  out.set(text, JOB_RESULT_HEADER);
  return out;
}

/**
 * The bytes a job's return value becomes: a Uint8Array as is, a string as UTF-8, `undefined` or
 * `null` as nothing; anything else is not a result a guest can read (undefined).
 *
 * @example
 * jobValueBytes('hi'); // Uint8Array [104, 105]
 */
export function jobValueBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return encoder.encode(value);
  if (value === undefined || value === null) return new Uint8Array(0);
  return undefined;
}

/**
 * Decode a job-result message; undefined if `bytes` is not one.
 *
 * @example
 * decodeJobResult(encodeJobOk(1, new Uint8Array([7]))); // { id: 1, ok: true, value: Uint8Array [7] }
 */
export function decodeJobResult(bytes: unknown): JobResult | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < JOB_RESULT_HEADER) return undefined;
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const status = view.getUint32(4, true);
  const id = view.getFloat64(8, true);
  const payload = bytes.subarray(JOB_RESULT_HEADER);
  if (status === 0) return { id, ok: true, value: payload };
  const text = decoder.decode(payload);
  const space = text.indexOf(' ');
  return space < 0
    ? { id, ok: false, code: text, message: '' }
    : { id, ok: false, code: text.slice(0, space), message: text.slice(space + 1) };
}
