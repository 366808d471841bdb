/**
 * Where a spawned module goes. `round-robin` (default) cycles over the shards; `least-loaded`
 * picks the shard with the fewest live processes (a shared counter per shard, updated by the
 * shards themselves); `{ shard: i }` names one; `{ near: pid }` picks the shard that hosts `pid`
 * (so two chatty actors share a thread and their messages never cross a ring).
 *
 * @example
 * scheduler.spawn({ module: './echo.js' }, { placement: { near: client } });
 */
import { isPid } from '../runtime/pid.js';
import type { Pid } from '../runtime/types.js';
import { SchedulerOptionError } from './errors.js';

export type Placement = 'round-robin' | 'least-loaded' | { readonly shard: number } | { readonly near: Pid };

export class Placer {
  readonly #shards: number;
  readonly #loads: Int32Array;
  #next = 0;

  constructor(shards: number, loads: Int32Array) {
    this.#shards = shards;
    this.#loads = loads;
  }

  /** The shard index (= worker thread index) for a new process. */
  choose(placement: Placement | undefined, threadOfPid: (pid: Pid) => number): number {
    if (placement === undefined || placement === 'round-robin') {
      const s = this.#next;
      this.#next = (this.#next + 1) % this.#shards;
      return s;
    }
    if (placement === 'least-loaded') {
      let best = 0;
      let load = Number.POSITIVE_INFINITY;
      for (let s = 0; s < this.#shards; s++) {
        const l = Atomics.load(this.#loads, s);
        if (l < load) {
          load = l;
          best = s;
        }
      }
      return best;
    }
    if (placement !== null && typeof placement === 'object') {
      if ('shard' in placement) {
        const s = placement.shard;
        if (!Number.isInteger(s) || s < 0 || s >= this.#shards) {
          throw new SchedulerOptionError(
            `options.placement.shard must be an integer in 0..${this.#shards - 1}, got ${String(s)}`,
          );
        }
        return s;
      }
      if ('near' in placement) {
        if (!isPid(placement.near)) {
          throw new SchedulerOptionError(
            `options.placement.near must be a pid, got ${String(placement.near)}`,
          );
        }
        const t = threadOfPid(placement.near);
        if (t < 0)
          throw new SchedulerOptionError(
            `options.placement.near: pid ${placement.near} lives on no running shard`,
          );
        return t;
      }
    }
    throw new SchedulerOptionError(
      `options.placement must be 'round-robin', 'least-loaded', { shard } or { near }, got ${JSON.stringify(placement)}`,
    );
  }
}
