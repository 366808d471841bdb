/**
 * The options and spawn targets of the {@link Scheduler} (scheduler.ts), and their validation
 * helpers. Every option is described here; docs/scheduler.md has the tuning table.
 */
import type { Logger } from '../runtime/logger.js';
import type { SpawnOptions } from '../runtime/types.js';
import type { Grants, Profile } from '../wasm-actors/capabilities.js';
import type { IdleWait } from './doorbell.js';
import { SchedulerOptionError } from './errors.js';
import type { Placement } from './placement.js';
import { isPowerOfTwoIn } from './ring-layout.js';

export interface SchedulerOptions {
  /** Worker shards. Default `os.availableParallelism()`. */
  readonly shards?: number;
  /** Bytes per ring (one per ordered pair of threads; a power of two). Default 256 KiB. */
  readonly ringBytes?: number;
  /** Largest ring record payload; longer messages are chunked. Default ringBytes / 4. */
  readonly maxChunk?: number;
  /** Bytes a sender may queue per peer when the ring is full; past it `send` returns false. Default 64 MiB. */
  readonly maxQueuedBytes?: number;
  /**
   * Microseconds an idle shard polls its rings before sleeping (CPU for latency; the main thread
   * never spins). Default 20; 0 sleeps at once (a wake-up then costs tens of µs).
   */
  readonly spinMicros?: number;
  /**
   * Microseconds a shard stays awake after its last message, polling its rings once per
   * event-loop turn, before it sleeps (a wake-up costs the sender an `Atomics.notify`, 12–22 µs on
   * a busy VM). Unlike `spinMicros` it never blocks the thread, but it still burns CPU: on an
   * oversubscribed machine it slows everything down. Default 0.
   */
  readonly lingerMicros?: number;
  /**
   * How an idle shard sleeps: `async` (default, `Atomics.waitAsync`), `block` (`Atomics.wait` up to
   * 50 ms at a time; timers and I/O wait that long) or `hybrid` (`Atomics.wait` up to 5 ms, then
   * `Atomics.waitAsync`: cheaper, faster wake-ups for message traffic; an idle shard's timers may
   * fire up to 5 ms late). See docs/scheduler.md, "Idle waits".
   */
  readonly idleWait?: IdleWait;
  /** A handler running longer than this is a runaway: its shard is restarted. Default 1000. */
  readonly maxHandlerMs?: number;
  /** Bound on a synchronous module spawn (import + start). Default 10000. */
  readonly spawnTimeoutMs?: number;
  /**
   * Process turns a shard's runtime runs before it yields to its event loop (and so reads its
   * rings again). Lower is fairer to messages arriving from other shards; higher batches more.
   * Default 64.
   */
  readonly turnsPerTick?: number;
  /**
   * Messages a handler process takes in one turn on a shard (the runtime's `reductions`).
   * Together with `turnsPerTick` it bounds how many handler calls run between two looks at the
   * rings: the runtime yields by counts, not by time. Default 64.
   */
  readonly reductions?: number;
  /** Default mailbox bound for every process. Default unbounded. */
  readonly mailboxCapacity?: number;
  /** Names the shared registry can hold (a power of two). Default 4096. */
  readonly maxNames?: number;
  /** Threads of the one-off job pool (`run`). Default max(1, shards / 2). */
  readonly jobThreads?: number;
  readonly logger?: Logger;
}

/** Options of {@link Scheduler.spawn}: the runtime's, plus where to place a module. */
export interface SchedulerSpawnOptions extends SpawnOptions {
  readonly placement?: Placement;
}

/** A JS actor module to spawn on a shard: an ESM file whose default export is a Behaviour. */
export interface ActorModule {
  readonly module: string | URL;
}

/**
 * A Wasm actor to spawn on a shard: a `.wasm` file run by the wasm-actors host of that shard
 * (loaded once per shard and hosting mode), with the guest's spawn arguments.
 */
export interface WasmActorModule {
  readonly wasm: string | URL;
  readonly args?: Uint8Array | string;
  readonly mode?: 'isolated' | 'shared';
  /** Capability profile (default `sandboxed`); see wasm-actors/capabilities.ts. */
  readonly profile?: Profile;
  /** Grants on top of the profile, e.g. `{ jobs: true }` to let the guest call `run_job`. */
  readonly grants?: Grants;
}

/** An integer option in `min..max`, else a {@link SchedulerOptionError} naming it. */
export function checkInt(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SchedulerOptionError(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

/** `options.ringBytes`: a power of two in 1024..2^30 (ring offsets are masked, so sizes must be 2^k). */
export function checkRingBytes(value: unknown): number {
  if (!isPowerOfTwoIn(value, 1024, 2 ** 30)) {
    throw new SchedulerOptionError(
      `options.ringBytes must be a power of two between 1024 and 2^30, got ${String(value)}`,
    );
  }
  return value;
}

/** `options.idleWait`: 'async', 'block' or 'hybrid'. */
export function checkIdleWait(value: unknown): IdleWait {
  if (value !== 'async' && value !== 'block' && value !== 'hybrid') {
    throw new SchedulerOptionError(
      `options.idleWait must be 'async', 'block' or 'hybrid', got ${String(value)}`,
    );
  }
  return value;
}

/** True for `{ module }` / `{ wasm }` spawn targets (not a handler object). */
export function isModule(target: unknown): target is ActorModule | WasmActorModule {
  return (
    target !== null &&
    typeof target === 'object' &&
    ('module' in target || 'wasm' in target) &&
    !('receive' in target)
  );
}
