/**
 * The throughput timer: run a batch function over and over for a fixed time and count operations.
 *
 * The clock is read once per batch, never per operation, so the timer costs nothing measurable even
 * for 10-nanosecond operations. Batches grow (doubling) until one takes at least `minBatchMs`; a
 * warm-up phase with the same batches runs first so the JIT has optimised the code under test
 * before the timed phase starts.
 */
import { performance } from 'node:perf_hooks';
import { BenchTimeoutError } from './errors.js';

/**
 * Performs exactly `size` operations (synchronously or by the time its promise settles). It may
 * return (or resolve) the number of operations it really did when that differs from `size` (e.g.
 * rounding to a multiple of the number of concurrent pairs); any other return value means `size`.
 */
export type BatchFn = (size: number) => unknown;

export interface ThroughputOptions {
  /** Length of the timed phase in seconds (> 0). */
  readonly seconds: number;
  /** Length of the warm-up phase; default 20% of `seconds`, at most 1 s. */
  readonly warmupSeconds?: number;
  /** Batches grow until one takes at least this long (default 10 ms). */
  readonly minBatchMs?: number;
  /** First batch size (default 64). */
  readonly initialBatch?: number;
  /** Largest batch size (default 2^24). */
  readonly maxBatch?: number;
  /** An async batch that takes longer than this rejects with BenchTimeoutError (default 30 s). */
  readonly batchTimeoutMs?: number;
  /** Called between warm-up and the timed phase (e.g. to reset a latency recorder). */
  readonly afterWarmup?: () => void;
}

export interface Throughput {
  /** Operations done in the timed phase. */
  readonly ops: number;
  /** Wall time of the timed phase in milliseconds. */
  readonly elapsedMs: number;
  /** `ops / seconds`. */
  readonly perSecond: number;
  /** Batches run in the timed phase. */
  readonly batches: number;
}

/**
 * Run `batch` for `seconds` (after a warm-up) and report operations per second.
 *
 * @example
 * const { perSecond } = await measureThroughput((n) => { for (let i = 0; i < n; i++) map.set(i, i); }, { seconds: 1 });
 */
export async function measureThroughput(batch: BatchFn, options: ThroughputOptions): Promise<Throughput> {
  const { seconds } = options;
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new RangeError(`seconds must be a positive finite number, got ${seconds}`);
  }
  const warmupMs = (options.warmupSeconds ?? Math.min(1, seconds * 0.2)) * 1000;
  const minBatchMs = options.minBatchMs ?? 10;
  const maxBatch = options.maxBatch ?? 2 ** 24;
  const timeoutMs = options.batchTimeoutMs ?? 30_000;
  let size = Math.max(1, Math.floor(options.initialBatch ?? 64));

  // One batch: time it, and grow the size while batches are too short to time well.
  const runOne = async (): Promise<{ ops: number; ms: number }> => {
    const t0 = performance.now();
    let result: unknown = batch(size);
    // Only await a real promise: awaiting a sync result would add a microtask turn per batch.
    if (result instanceof Promise) result = await withTimeout(result, timeoutMs, size);
    const ms = performance.now() - t0;
    const ops = typeof result === 'number' ? result : size;
    if (ms < minBatchMs && size < maxBatch) size = Math.min(maxBatch, size * 2);
    return { ops, ms };
  };

  const warmupEnd = performance.now() + warmupMs;
  do await runOne();
  while (performance.now() < warmupEnd);
  options.afterWarmup?.();

  let ops = 0;
  let batches = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    const one = await runOne();
    ops += one.ops;
    batches++;
    now = performance.now();
  }
  const elapsedMs = now - start;
  return { ops, elapsedMs, perSecond: ops / (elapsedMs / 1000), batches };
}

/** Reject with BenchTimeoutError if `promise` has not settled within `ms`; the timer never holds the process. */
function withTimeout<T>(promise: Promise<T>, ms: number, size: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BenchTimeoutError(`a batch of ${size} operations did not finish within ${ms} ms`)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
