import { InvalidArgumentError } from './errors.js';
import type { Pid } from './types.js';

/**
 * Pids pack a shard index (low 10 bits) and a per-shard serial (the remaining 43 bits of a
 * safe integer), so routing a pid to its shard is arithmetic and no BigInt is involved.
 * 2^43 serials per shard last ~100 days of spawning at 1M/s.
 */
export const SHARD_SPACE = 1024;
export const MAX_SHARDS = SHARD_SPACE;
export const MAX_SERIAL = Math.floor(Number.MAX_SAFE_INTEGER / SHARD_SPACE);

/**
 * @example makePid(2, 7) // → 7170; shardOf(7170) === 2; serialOf(7170) === 7
 */
export function makePid(shard: number, serial: number): Pid {
  return serial * SHARD_SPACE + shard;
}

export function shardOf(pid: Pid): number {
  return pid % SHARD_SPACE;
}

export function serialOf(pid: Pid): number {
  return Math.floor(pid / SHARD_SPACE);
}

/** True for values that have the shape of a pid (a positive safe integer). */
export function isPid(value: unknown): value is Pid {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= SHARD_SPACE;
}

/** Throw a clear error unless `value` is a pid; `what` names the argument. */
export function assertPid(value: unknown, what: string): asserts value is Pid {
  if (!isPid(value)) {
    throw new InvalidArgumentError(`${what} must be a pid (a positive safe integer), got ${describe(value)}`);
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/**
 * Erlang-style display form `<shard.serial>`.
 *
 * @example formatPid(makePid(2, 7)) // '<2.7>'
 */
export function formatPid(pid: Pid): string {
  return `<${shardOf(pid)}.${serialOf(pid)}>`;
}
