/**
 * The throughput timer: run a batch function over and over for a fixed time and count operations
 * ({@link measureThroughput}), or several taking turns ({@link measureInterleaved}).
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

/** Times one batch function, growing its batch size until a batch is long enough to time. */
class Meter {
  readonly #batch: BatchFn;
  readonly #minBatchMs: number;
  readonly #maxBatch: number;
  readonly #timeoutMs: number;
  #size: number;

  constructor(batch: BatchFn, options: ThroughputOptions) {
    this.#batch = batch;
    this.#minBatchMs = options.minBatchMs ?? 10;
    this.#maxBatch = options.maxBatch ?? 2 ** 24;
    this.#timeoutMs = options.batchTimeoutMs ?? 30_000;
    this.#size = Math.max(1, Math.floor(options.initialBatch ?? 64));
  }

  /** Run batches for at least one batch and until `ms` have passed. */
  async runFor(ms: number): Promise<{ ops: number; elapsedMs: number; batches: number }> {
    let ops = 0;
    let batches = 0;
    const start = performance.now();
    const end = start + ms;
    let now = start;
    do {
      const size = this.#size;
      let result: unknown = this.#batch(size);
      // Only await a real promise: awaiting a sync result would add a microtask turn per batch.
      if (result instanceof Promise) result = await withTimeout(result, this.#timeoutMs, size);
      const t = performance.now();
      if (t - now < this.#minBatchMs && size < this.#maxBatch)
        this.#size = Math.min(this.#maxBatch, size * 2);
      ops += typeof result === 'number' ? result : size;
      batches++;
      now = t;
    } while (now < end);
    return { ops, elapsedMs: now - start, batches };
  }
}

function checkSeconds(seconds: number): void {
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new RangeError(`seconds must be a positive finite number, got ${seconds}`);
  }
}

function warmupMsOf(options: ThroughputOptions): number {
  return (options.warmupSeconds ?? Math.min(1, options.seconds * 0.2)) * 1000;
}

function toThroughput(ops: number, elapsedMs: number, batches: number): Throughput {
  return { ops, elapsedMs, perSecond: ops / (elapsedMs / 1000), batches };
}

/**
 * Run `batch` for `seconds` (after a warm-up) and report operations per second.
 *
 * @example
 * const { perSecond } = await measureThroughput((n) => { for (let i = 0; i < n; i++) map.set(i, i); }, { seconds: 1 });
 */
export async function measureThroughput(batch: BatchFn, options: ThroughputOptions): Promise<Throughput> {
  checkSeconds(options.seconds);
  const meter = new Meter(batch, options);
  await meter.runFor(warmupMsOf(options));
  options.afterWarmup?.();
  const r = await meter.runFor(options.seconds * 1000);
  return toThroughput(r.ops, r.elapsedMs, r.batches);
}

export interface InterleavedOptions extends ThroughputOptions {
  /** Each subject's `seconds` is split into this many slices, taken in turn (default 5). */
  readonly slices?: number;
}

/**
 * Measure several batch functions for `seconds` each, interleaved: every subject warms up, then
 * they take turns in `slices` rounds. On a shared machine the load drifts over seconds; taking
 * turns exposes every subject to the same drift, so the ratios between them stay meaningful
 * even when the absolute numbers move.
 *
 * @example
 * const r = await measureInterleaved({ queue: queueBatch, runtime: runtimeBatch }, { seconds: 1 });
 * const ratio = r.runtime.perSecond / r.queue.perSecond;
 */
export async function measureInterleaved<K extends string>(
  subjects: Readonly<Record<K, BatchFn>>,
  options: InterleavedOptions,
): Promise<Record<K, Throughput>> {
  checkSeconds(options.seconds);
  const slices = options.slices ?? 5;
  if (!Number.isInteger(slices) || slices < 1) {
    throw new RangeError(`slices must be a positive integer, got ${slices}`);
  }
  const keys = Object.keys(subjects) as K[];
  const meters = keys.map((k) => new Meter(subjects[k], options));
  const totals = keys.map(() => ({ ops: 0, elapsedMs: 0, batches: 0 }));
  const warmupMs = warmupMsOf(options);
  for (const meter of meters) await meter.runFor(warmupMs);
  options.afterWarmup?.();
  const sliceMs = (options.seconds * 1000) / slices;
  for (let round = 0; round < slices; round++) {
    for (let i = 0; i < meters.length; i++) {
      const r = await meters[i]!.runFor(sliceMs);
      const t = totals[i]!;
      t.ops += r.ops;
      t.elapsedMs += r.elapsedMs;
      t.batches += r.batches;
    }
  }
  const out = {} as Record<K, Throughput>;
  keys.forEach((k, i) => {
    const t = totals[i]!;
    out[k] = toThroughput(t.ops, t.elapsedMs, t.batches);
  });
  return out;
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

/**
 * One turn of the event loop: a runtime drains its run queue in a microtask, then in
 * setImmediate turns, so awaiting this lets it run what was just sent or spawned.
 *
 * @example
 * rt.exit(rt.spawn(empty), 'normal');
 * while (rt.stats().processes > 0) await nextTurn();
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
