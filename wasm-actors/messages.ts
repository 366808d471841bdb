/**
 * What a Wasm process accepts as a message, and the request form that lets a guest `reply`.
 * Everything is turned into bytes before it enters the guest (docs/abi.md, "What a Wasm process
 * receives").
 */
import { pack } from 'msgpackr';
import type { DownMessage, ExitMessage, Pid } from '../runtime/types.js';

/** A message that carries a reply address: the guest's `reply()` sends to `replyTo`. */
export interface WasmRequest {
  readonly replyTo: Pid;
  readonly data: Uint8Array | string;
}

/**
 * Build a request for a Wasm actor (plain data, so it crosses threads and nodes as is).
 *
 * @example
 * rt.send(echoPid, wasmRequest(ctx.self, 'hello')); // the echo guest replies 'hello' as bytes
 */
export function wasmRequest(replyTo: Pid, data: Uint8Array | string): WasmRequest {
  return { replyTo, data };
}

const encoder = new TextEncoder();

/** UTF-8 for strings; bytes as they are. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function isRequest(msg: object): msg is WasmRequest {
  const m = msg as { replyTo?: unknown; data?: unknown };
  return typeof m.replyTo === 'number' && (m.data instanceof Uint8Array || typeof m.data === 'string');
}

export function isDown(msg: object): msg is DownMessage {
  const m = msg as { type?: unknown; ref?: unknown; pid?: unknown };
  return m.type === 'down' && typeof m.ref === 'number' && typeof m.pid === 'number';
}

export function isExit(msg: object): msg is ExitMessage {
  const m = msg as { type?: unknown; from?: unknown };
  return m.type === 'exit' && typeof m.from === 'number';
}

/** Encode any other value with msgpackr; undefined if it cannot be encoded. */
export function encodeOther(msg: unknown): Uint8Array | undefined {
  try {
    return pack(msg);
  } catch {
    return undefined;
  }
}

/** The text a guest sees as the error detail of a down/exit notice. */
export function errorDetail(error: unknown): string {
  if (error === undefined) return '';
  return error instanceof Error ? error.message : String(error);
}
