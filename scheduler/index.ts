/**
 * `wactor/scheduler`: one node on every core — N worker_threads shards joined by
 * SharedArrayBuffer rings, behind the same process API as a single `Runtime`.
 *
 * @example
 * import { Scheduler } from 'wactor/scheduler';
 * const scheduler = new Scheduler({ shards: 4, maxHandlerMs: 500 });
 * const pid = scheduler.spawn({ module: new URL('./actors/echo.js', import.meta.url) });
 * scheduler.send(pid, new Uint8Array([1, 2, 3]));
 * await scheduler.close();
 */
export type { IdleWait } from './doorbell.js';
export {
  CrossShardMessageError,
  JobError,
  RingOptionError,
  SchedulerOptionError,
  ShardLostError,
  SpawnError,
} from './errors.js';
export type { JobMessage, JobRequest } from './jobs.js';
export type { Placement } from './placement.js';
export { createRing, type ProducerStats, RingConsumer, RingProducer, type SendResult } from './ring.js';
export {
  type ActorModule,
  Scheduler,
  type SchedulerOptions,
  type SchedulerSpawnOptions,
} from './scheduler.js';
