/**
 * The shard workers of a {@link Scheduler}: starting them (one `worker_threads` worker per shard,
 * each with its pid slot, watchdog marks and reply cell) and replacing one that ran away or died
 * — the route to its old slot is cut first (sends to its pids turn false), then its names go,
 * its rings are renewed on every thread, a fresh worker takes a fresh slot (old pids can never
 * reach new processes), and every thread fires its halves of links and monitors that pointed
 * there.
 *
 * @example
 * const pool = new ShardPool({ shards: 2, buffers, ringBytes, mesh, node, routes, logger, workerData, jobNames, isClosed, onLost });
 * await pool.start();
 * pool.replace(1, runawayPid, 'timeout');
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../runtime/logger.js';
import { MAX_SHARDS, shardOf } from '../runtime/pid.js';
import type { ExitReason, Pid } from '../runtime/types.js';
import { ShardLostError } from './errors.js';
import { type Mesh, type MeshBuffers, renewPeerRings } from './mesh.js';
import type { ShardNode } from './shard-node.js';
import { createReplyBuffer, SpawnReplyCell } from './spawn-reply.js';
import type { ShardWorkerData } from './worker-data.js';
import { relayLog } from './worker-logger.js';
import { createWatchBuffer, WatchMarks } from './wrap.js';

/** The main thread's pid slot; worker shards take the others. */
export const MAIN_SLOT = MAX_SHARDS - 1;

/** One running shard: its worker, pid slot, watchdog marks and synchronous reply cell. */
export interface ShardSlot {
  worker: Worker;
  slot: number;
  marks: WatchMarks;
  reply: SpawnReplyCell;
  replyBuffer: SharedArrayBuffer;
  marksBuffer: SharedArrayBuffer;
  closed?: (stopped: number) => void;
}

/** The worker entry, compiled: next to this file in dist/, or dist/ when vitest runs the TS source. */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../dist/scheduler/shard-worker.js', here)
    : new URL('./shard-worker.js', here);
}

export interface ShardPoolOptions {
  readonly shards: number;
  readonly buffers: MeshBuffers;
  readonly ringBytes: number;
  /** The main thread's mesh and node. */
  readonly mesh: Mesh;
  readonly node: ShardNode;
  /** Int32 view of the route table: pid slot → thread + 1. */
  readonly routes: Int32Array;
  readonly logger: Logger;
  /** Every worker's workerData but what differs per worker. */
  readonly workerData: Omit<ShardWorkerData, 'thread' | 'slot' | 'marks' | 'reply' | 'jobNames'>;
  /** The job names guests may start, current at each worker's start. */
  readonly jobNames: () => string[];
  readonly isClosed: () => boolean;
  /** Shard `thread`'s worker was just cut off (before its replacement starts). */
  readonly onLost: (thread: number) => void;
}

export class ShardPool {
  /** By thread; `undefined` for a moment while a shard is replaced. */
  readonly workers: ShardSlot[] = [];
  readonly #o: ShardPoolOptions;
  #nextSlot: number;

  constructor(options: ShardPoolOptions) {
    this.#o = options;
    this.#nextSlot = options.shards;
  }

  /** Start every shard (thread t on slot t); resolves once all are ready. */
  start(): Promise<void> {
    const started: Promise<void>[] = [];
    for (let t = 0; t < this.#o.shards; t++) started.push(this.#start(t, t));
    return Promise.all(started).then(() => {});
  }

  #start(thread: number, slot: number): Promise<void> {
    const marksBuffer = createWatchBuffer();
    const replyBuffer = createReplyBuffer();
    const data: ShardWorkerData = {
      ...this.#o.workerData,
      thread,
      slot,
      marks: marksBuffer,
      reply: replyBuffer,
      jobNames: this.#o.jobNames(),
    };
    const worker = new Worker(workerUrl(), { workerData: data });
    const entry: ShardSlot = {
      worker,
      slot,
      marks: new WatchMarks(marksBuffer),
      reply: new SpawnReplyCell(replyBuffer),
      replyBuffer,
      marksBuffer,
    };
    this.workers[thread] = entry;
    Atomics.store(this.#o.routes, slot, thread + 1);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { type: string; stopped?: number }) => {
        if (relayLog(m, thread, this.#o.logger)) return;
        if (m.type === 'ready') resolve();
        else if (m.type === 'closed') entry.closed?.(m.stopped ?? 0);
      });
      worker.on('error', (err) => {
        this.#o.logger.error(`shard ${thread} failed`, { error: err });
        reject(err);
      });
      worker.on('exit', () => {
        // An exit we did not ask for (OOM, native crash, process.exit in an actor).
        if (this.workers[thread] === entry && !this.#o.isClosed()) {
          const { running, pid } = entry.marks.read();
          this.replace(thread, running ? pid : 0, 'crashed');
        }
        entry.closed?.(0);
      });
    });
  }

  /**
   * Terminate shard `thread`'s worker and start a fresh one with a fresh pid slot. The culprit
   * ends with `culpritReason`, every other process of that shard with `killed`.
   */
  replace(thread: number, culprit: Pid, culpritReason: ExitReason): void {
    const old = this.workers[thread];
    if (old === undefined || this.#o.isClosed()) return;
    this.#o.logger.warn(
      `shard ${thread} is being replaced (${culprit ? `pid ${culprit}: ${culpritReason}` : culpritReason})`,
    );
    const oldSlot = old.slot;
    // 1. Nobody may route to the old slot any more: sends to its pids now return false.
    Atomics.store(this.#o.routes, oldSlot, 0);
    this.workers[thread] = undefined as unknown as ShardSlot;
    void old.worker.terminate();
    this.#o.onLost(thread);
    this.#o.node.rejectPendingFor(
      thread,
      new ShardLostError(`shard ${thread} was lost (${culpritReason}) before it answered`),
    );
    // 2. Names of the dead shard go; a registry lock it held is released.
    const registry = this.#o.node.registry;
    registry.releaseIfHeldBy(thread);
    registry.removeWhere((pid) => shardOf(pid) === oldSlot);
    // 3. Fresh rings to and from that thread; every other thread switches to them.
    renewPeerRings(this.#o.buffers, thread, this.#o.ringBytes);
    Atomics.store(new Int32Array(this.#o.buffers.bells), thread * 16, 0);
    this.#o.mesh.replacePeer(this.#o.buffers, thread);
    for (let t = 0; t < this.#o.shards; t++) {
      if (t !== thread) this.workers[t]?.worker.postMessage({ type: 'peer', thread, mesh: this.#o.buffers });
    }
    // 4. A fresh worker with a fresh slot (old pids can never reach new processes).
    const slot = this.#allocSlot();
    void this.#start(thread, slot).catch(() => {});
    // 5. Everyone fires their halves of links and monitors that pointed at the old shard.
    const lost = { t: 'shardLost', slot: oldSlot, culprit, reason: culpritReason } as const;
    this.#o.node.shardLost(oldSlot, culprit, culpritReason);
    for (let t = 0; t < this.#o.shards; t++) if (t !== thread) this.#o.node.dispatch(t, lost);
  }

  #allocSlot(): number {
    for (let i = 0; i < MAX_SHARDS - 1; i++) {
      const slot = this.#nextSlot;
      this.#nextSlot = this.#nextSlot + 1 >= MAIN_SLOT ? this.#o.shards : this.#nextSlot + 1;
      if (Atomics.load(this.#o.routes, slot) === 0) return slot;
    }
    throw new ShardLostError('no free pid slot for a replacement shard');
  }
}
