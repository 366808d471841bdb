/**
 * The same-thread fast path for small messages between Wasm actors of one host.
 *
 * A guest's `send` must copy its bytes (the guest reuses its buffer as soon as the import
 * returns). Allocating a fresh `Uint8Array` per message costs more than the rest of a message
 * hop, so when the receiver is a Wasm actor of the same host, the bytes travel in a pooled
 * {@link LocalBytes} instead: the receiving actor copies them into its inbox and hands the buffer
 * straight back. Only Wasm actors of this host ever see a `LocalBytes` (the sender checks the
 * receiver first); one lost in a dead mailbox is simply garbage-collected.
 */

/** Messages up to this size take the pooled path. */
export const LOCAL_MAX = 256;
/** Copy byte by byte up to this size; `set(subarray)` beyond (its fixed cost is higher). */
const LOOP_MAX = 64;
const POOL_MAX = 4096;

export class LocalBytes {
  readonly bytes = new Uint8Array(LOCAL_MAX);
  len = 0;
}

const pool: LocalBytes[] = [];

/** A pooled buffer filled with `len` bytes of `src` from `ptr` (the caller checked bounds). */
export function takeLocal(src: Uint8Array, ptr: number, len: number): LocalBytes {
  const m = pool.pop() ?? new LocalBytes();
  const dst = m.bytes;
  if (len <= LOOP_MAX) for (let i = 0; i < len; i++) dst[i] = src[ptr + i]!;
  else dst.set(src.subarray(ptr, ptr + len));
  m.len = len;
  return m;
}

/** Copy a pooled message into `dst` at `at` and return its buffer to the pool. */
export function drainLocal(m: LocalBytes, dst: Uint8Array, at: number): number {
  const len = m.len;
  const src = m.bytes;
  if (len <= LOOP_MAX) for (let i = 0; i < len; i++) dst[at + i] = src[i]!;
  else dst.set(src.subarray(0, len), at);
  if (pool.length < POOL_MAX) pool.push(m);
  return len;
}

/** Return an undelivered buffer to the pool. */
export function giveBack(m: LocalBytes): void {
  if (pool.length < POOL_MAX) pool.push(m);
}
