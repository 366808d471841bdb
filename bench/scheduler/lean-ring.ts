/**
 * A lean ring ping-pong between two workers — the floor our scheduler's cross-shard path is
 * measured against in `shard-pingpong`. Same threads (two `worker_threads`), same ring and
 * doorbell primitives, same message shape (12-byte `[sender pid f64][seq u32]` bodies in pid
 * records), same number in flight and the same idle policy (spin, then `Atomics.waitAsync`) as the
 * scheduler subject; none of the layers between (Mesh, ShardNode routing, Runtime mailbox, the
 * Wasm host and guests). Plain JS stands in for the Wasm `ping`/`pong` guests. See
 * lean-ring-worker.ts for the loop.
 */
import { Worker } from 'node:worker_threads';
import { createDoorbells, type SleepOptions } from '../../scheduler/doorbell.js';
import { createRing } from '../../scheduler/ring.js';
import type { LeanRingWorkerData } from './lean-ring-worker.js';

/** Two workers bouncing messages over rings; `throughput` resolves after `rounds` replies. */
export interface LeanRingPair {
  /**
   * Ping keeps `inflight` messages bouncing off pong until `rounds` replies came back; resolves to
   * the replies ping has received since the pair started (a check that none was lost or doubled).
   */
  throughput(rounds: number, inflight: number): Promise<number>;
  close(): Promise<void>;
}

export interface LeanRingOptions {
  /** Spin before sleeping, µs (the scheduler's `spinMicros`). Default 0. */
  readonly spinMicros?: number;
  /** Data bytes of each ring (the scheduler's `ringBytes`, default 2^18). */
  readonly ringBytes?: number;
}

/** The worker entry, compiled: next to this file in dist/, or dist/ when vitest runs the TS source. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/bench/scheduler/lean-ring-worker.js', here)
    : new URL('./lean-ring-worker.js', here);
}

/**
 * Start the pair (both workers idle until the first `throughput`).
 * @example
 * const pair = leanRingPair({ spinMicros: 20 });
 * await pair.throughput(100_000, 256); // 200k messages delivered
 * await pair.close();
 */
export function leanRingPair(options: LeanRingOptions = {}): LeanRingPair {
  const ringBytes = options.ringBytes ?? 1 << 18;
  const toPong = createRing({ capacity: ringBytes });
  const toPing = createRing({ capacity: ringBytes });
  const bells = createDoorbells(2);
  const sleep: SleepOptions = { spinMicros: options.spinMicros ?? 0, idleWait: 'async' };
  const start = (data: LeanRingWorkerData): Worker => new Worker(workerUrl(), { workerData: data });
  const ping = start({ role: 'ping', inbound: toPing, outbound: toPong, bells, sleep });
  const pong = start({ role: 'pong', inbound: toPong, outbound: toPing, bells, sleep });
  return {
    throughput: (rounds, inflight) =>
      new Promise((resolve, reject) => {
        const fail = (err: Error): void => reject(err);
        ping.once('error', fail);
        ping.once('message', (received: number) => {
          ping.off('error', fail);
          resolve(received);
        });
        ping.postMessage({ rounds, inflight });
      }),
    close: async () => {
      await Promise.all([ping.terminate(), pong.terminate()]);
    },
  };
}
