/**
 * The sharded scheduler: N worker_threads shards (default: one per core), each hosting a
 * {@link Runtime}, joined by SharedArrayBuffer rings, behind the same {@link LocalNode} interface
 * as a single `Runtime`.
 *
 * - Closures (a behaviour function/object) run on the main thread's own runtime; JS actor
 *   modules (`{ module: path }`, default export a Behaviour) are spawned on a shard chosen by
 *   the placement. Every process's `ctx` can reach every pid.
 * - Pids encode their shard's slot; a send to another shard is an enqueue into the ring of that
 *   ordered pair of threads.
 * - A watchdog terminates a shard whose handler runs longer than `maxHandlerMs`, ends the
 *   culprit with `timeout` and the shard's other processes with `killed`, and starts a fresh
 *   worker (with a fresh pid slot, so old pids never reach new processes).
 *
 * @example
 * import { Scheduler } from 'wactor/scheduler';
 * const s = new Scheduler({ shards: 2 });
 * const echo = s.spawn({ module: new URL('./echo.js', import.meta.url) });
 * const me = s.spawn(async (ctx) => {
 *   ctx.send(echo, { from: ctx.self, text: 'hi' });
 *   console.log(await ctx.receive());
 * });
 * await s.close();
 */
import { availableParallelism } from 'node:os';
import { ClosedError, deserializeError, InvalidArgumentError } from '../runtime/errors.js';
import { consoleLogger, type Logger, silentLogger } from '../runtime/logger.js';
import { isPid, MAX_SHARDS } from '../runtime/pid.js';
import { type KillListener, Runtime } from '../runtime/runtime.js';
import { startSupervisor } from '../runtime/supervisor.js';
import type { Behaviour, LocalNode, NodeStats, Pid, ProcessInfo, SupervisorSpec } from '../runtime/types.js';
import type { GuestJobRequest, JobStart } from '../wasm-actors/job-result.js';
import { SchedulerOptionError, ShardLostError, SpawnError } from './errors.js';
import { GuestJobs } from './guest-jobs.js';
import { JobPool, type JobRequest } from './jobs.js';
import { createMeshBuffers, Mesh, type MeshBuffers, type MeshOptions } from './mesh.js';
import { resolveModule } from './module-loader.js';
import { Placer } from './placement.js';
import type { ModuleSpawn } from './protocol.js';
import { RoutedNode } from './routed-node.js';
import {
  type ActorModule,
  checkIdleWait,
  checkInt,
  checkRingBytes,
  isModule,
  type SchedulerOptions,
  type SchedulerSpawnOptions,
  type WasmActorModule,
} from './scheduler-options.js';
import { onKillUnwrapped } from './shard-host-node.js';
import { ShardNode } from './shard-node.js';
import { MAIN_SLOT, ShardPool, type ShardSlot } from './shard-pool.js';
import { createRegistryBuffer, SharedRegistry } from './shared-registry.js';
import { Watchdog } from './watchdog.js';
import { unwrapBehaviour } from './wrap.js';

export type { ActorModule, SchedulerOptions, SchedulerSpawnOptions, WasmActorModule };

/**
 * Default `spinMicros` of the shards. Measured on a 2-vCPU VM at load average 3–6: the round-trip
 * p50 drops from ~35 µs to ~7 µs, and under a 256-in-flight ping-pong the shards sleep ~5× less
 * often (each sleep costs the sender a ~38 µs `Atomics.notify`). The cost: up to 20 µs of CPU
 * each time a shard runs out of work.
 */
export const DEFAULT_SPIN_MICROS = 20;

export class Scheduler extends RoutedNode implements LocalNode {
  /** Number of worker shards. */
  readonly shards: number;
  readonly maxHandlerMs: number;
  readonly #runtime: Runtime;
  readonly #mesh: Mesh;
  readonly #buffers: MeshBuffers;
  readonly #meshOptions: MeshOptions;
  readonly #registryBuffer: SharedArrayBuffer;
  readonly #routesBuffer: SharedArrayBuffer;
  readonly #routes: Int32Array;
  readonly #loads: Int32Array;
  readonly #placer: Placer;
  readonly #watchdog: Watchdog;
  readonly #pool: ShardPool;
  /** The pool's workers, by thread (the same array). */
  readonly #workers: ShardSlot[];
  readonly #options: SchedulerOptions;
  readonly #logger: Logger;
  readonly #ringBytes: number;
  readonly #spawnTimeoutMs: number;
  readonly #turnsPerTick: number;
  #jobs: JobPool | undefined;
  /** Jobs guests start by name (`registerJob`, `run_job`): guest-jobs.ts. */
  readonly #guestJobs: GuestJobs;
  #syncSeq = 0;
  #closed = false;
  #closing: Promise<number> | undefined;
  #destroying: Promise<void> | undefined;
  /** Resolves once every shard has started. */
  readonly ready: Promise<void>;

  constructor(options: SchedulerOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new SchedulerOptionError(`options must be an object, got ${String(options)}`);
    }
    this.#options = options;
    this.shards = checkInt(options.shards ?? availableParallelism(), 'options.shards', 1, 256);
    this.maxHandlerMs = checkInt(options.maxHandlerMs ?? 1000, 'options.maxHandlerMs', 1);
    this.#spawnTimeoutMs = checkInt(options.spawnTimeoutMs ?? 10_000, 'options.spawnTimeoutMs', 1);
    this.#ringBytes = checkRingBytes(options.ringBytes ?? 1 << 18);
    this.#turnsPerTick = checkInt(options.turnsPerTick ?? 64, 'options.turnsPerTick', 1);
    this.#logger = options.logger ?? consoleLogger;
    if (options.spinMicros !== undefined) checkInt(options.spinMicros, 'options.spinMicros', 0, 1_000_000);
    if (options.idleWait !== undefined) checkIdleWait(options.idleWait);
    const threads = this.shards + 1;
    this.#buffers = createMeshBuffers(threads, this.#ringBytes);
    this.#meshOptions = {
      ringBytes: this.#ringBytes,
      ...(options.maxChunk === undefined ? {} : { maxChunk: options.maxChunk }),
      ...(options.maxQueuedBytes === undefined ? {} : { maxQueuedBytes: options.maxQueuedBytes }),
      // A short spin before sleeping pays on the busy 2-core VM too (measured): a sleeping peer
      // costs its sender an Atomics.notify (~30–40 µs there) and itself a slow wake-up.
      spinMicros: options.spinMicros ?? DEFAULT_SPIN_MICROS,
      lingerMicros: checkInt(options.lingerMicros ?? 0, 'options.lingerMicros', 0, 1_000_000),
      ...(options.idleWait === undefined ? {} : { idleWait: options.idleWait }),
    };
    this.#registryBuffer = createRegistryBuffer(options.maxNames ?? 4096);
    this.#routesBuffer = new SharedArrayBuffer(MAX_SHARDS * 4);
    this.#routes = new Int32Array(this.#routesBuffer);
    this.#loads = new Int32Array(new SharedArrayBuffer(threads * 4));
    this.#placer = new Placer(this.shards, this.#loads);
    const mainThread = this.shards;
    Atomics.store(this.#routes, MAIN_SLOT, mainThread + 1);
    this.#runtime = new Runtime({
      shard: MAIN_SLOT,
      logger: this.#logger,
      ...(options.mailboxCapacity === undefined ? {} : { mailboxCapacity: options.mailboxCapacity }),
    });
    let node: ShardNode | undefined;
    // The main thread never sleeps in Atomics.wait (it uses waitAsync), and spinning would
    // steal the event loop from user code: it always waits asynchronously without a spin.
    this.#mesh = new Mesh(
      this.#buffers,
      mainThread,
      (from, body, head) => node?.handleRecord(from, body, head),
      {
        ...this.#meshOptions,
        spinMicros: 0,
        idleWait: 'async',
      },
    );
    node = new ShardNode({
      runtime: this.#runtime,
      mesh: this.#mesh,
      registry: new SharedRegistry(this.#registryBuffer, mainThread),
      routes: this.#routes,
      thread: mainThread,
      loads: this.#loads,
    });
    this.node = node;
    this.#guestJobs = new GuestJobs({
      node,
      run: (task) => this.run(task),
      send: (pid, bytes) => {
        if (!this.#closed) this.send(pid, bytes);
      },
    });
    node.onJob = (c) => this.#guestJobs.start(c);
    node.onNodeDown = (pid) => this.#guestJobs.ownerDown(pid);
    this.#pool = new ShardPool({
      shards: this.shards,
      buffers: this.#buffers,
      ringBytes: this.#ringBytes,
      mesh: this.#mesh,
      node,
      routes: this.#routes,
      logger: this.#logger,
      workerData: {
        mesh: this.#buffers,
        meshOptions: this.#meshOptions,
        registry: this.#registryBuffer,
        routes: this.#routesBuffer,
        heartbeatMs: Math.max(1, Math.floor(this.maxHandlerMs / 4)),
        turnsPerTick: this.#turnsPerTick,
        reductions: checkInt(options.reductions ?? 64, 'options.reductions', 1),
        quiet: this.#logger === silentLogger,
        ...(options.mailboxCapacity === undefined ? {} : { mailboxCapacity: options.mailboxCapacity }),
      },
      jobNames: () => this.#guestJobs.names(),
      isClosed: () => this.#closed,
      onLost: (thread) => this.#watchdog.reset(thread),
    });
    this.#workers = this.#pool.workers;
    this.ready = this.#pool.start();
    this.ready.catch(() => {});
    this.#mesh.start();
    this.#watchdog = new Watchdog({
      maxHandlerMs: this.maxHandlerMs,
      marks: () => this.#workers.map((w) => w?.marks),
      onRunaway: (thread, pid) => this.#pool.replace(thread, pid, 'timeout'),
    });
    this.#watchdog.start();
  }

  #threadOfPid = (pid: Pid): number => {
    const t = this.node.threadOf(pid);
    return t >= this.shards ? -1 : t;
  };

  // ---- spawning -------------------------------------------------------------------------------

  /**
   * Start a process. A behaviour (function or handler object) runs on the main thread; an
   * {@link ActorModule} runs on a shard chosen by `options.placement`. For a module this call
   * blocks until the shard has started it (importing the module the first time), bounded by
   * `spawnTimeoutMs`; use {@link spawnAsync} to avoid blocking, or {@link load} to pre-import.
   *
   * @example
   * const pid = scheduler.spawn({ module: '/abs/path/echo.js' }, { placement: 'least-loaded' });
   */
  spawn(target: Behaviour | ActorModule | WasmActorModule, options?: SchedulerSpawnOptions): Pid {
    if (this.#closed) throw new ClosedError('spawn: the scheduler is closed');
    if (!isModule(target)) {
      if (options?.placement !== undefined) {
        throw new SpawnError(
          'spawn: a behaviour given as a closure runs on the main thread and cannot be placed on a shard; spawn { module } instead',
        );
      }
      return this.node.spawnLocal(target as Behaviour, options);
    }
    const { thread, spec } = this.#prepare(target, options);
    const entry = this.#workers[thread] as ShardSlot;
    const id = ++this.#syncSeq;
    this.node.dispatch(thread, { t: 'spawn', id: -id, spec, from: this.shards });
    if (!this.#awaitReply(thread, entry, id)) {
      throw this.#workers[thread] !== entry
        ? new ShardLostError(`spawn: shard ${thread} was lost while starting ${spec.module}`)
        : new SpawnError(
            `spawn: shard ${thread} did not start ${spec.module} within ${this.#spawnTimeoutMs} ms`,
          );
    }
    const answer = entry.reply.read();
    if ('error' in answer)
      throw new SpawnError(answer.error.message, { cause: deserializeError(answer.error) });
    return answer.pid;
  }

  /**
   * Block until shard `thread` has answered request `id` on its reply cell (spawn-reply.ts).
   * False when the shard was replaced meanwhile or `spawnTimeoutMs` passed.
   */
  #awaitReply(thread: number, entry: ShardSlot, id: number): boolean {
    this.#mesh.publish();
    const deadline = performance.now() + this.#spawnTimeoutMs;
    // Wait in slices so the watchdog still runs while the main thread is blocked here.
    while (entry.reply.seq !== id) {
      if (this.#workers[thread] !== entry || performance.now() > deadline) return false;
      // Our event loop is blocked: if the request still waits behind a full ring, keep flushing
      // (the shard frees space but cannot wake us) and look again soon.
      const pressured = this.#mesh.pressured(thread);
      entry.reply.wait(entry.reply.seq, pressured ? 1 : 20);
      if (pressured) this.#mesh.publish();
      this.#watchdog.check();
    }
    return true;
  }

  /**
   * Like {@link spawn} but never blocks: resolves the pid once the shard has started the process.
   * @example const pid = await scheduler.spawnAsync({ module: url }, { placement: { shard: 1 } });
   */
  async spawnAsync(
    target: Behaviour | ActorModule | WasmActorModule,
    options?: SchedulerSpawnOptions,
  ): Promise<Pid> {
    if (!isModule(target)) return this.spawn(target, options);
    if (this.#closed) throw new ClosedError('spawnAsync: the scheduler is closed');
    const { thread, spec } = this.#prepare(target, options);
    const id = this.node.nextRequestId();
    const pid = await new Promise<unknown>((resolve, reject) => {
      this.node.expect(id, thread, { resolve, reject });
      this.node.dispatch(thread, { t: 'spawn', id, spec, from: this.shards });
    });
    return pid as Pid;
  }

  /** Import `module` on every shard now, so later synchronous spawns do not wait for it. */
  load(module: string | URL): void {
    const url = resolveModule(module, 'load: module');
    for (let t = 0; t < this.shards; t++) this.node.dispatch(t, { t: 'load', module: url });
  }

  #prepare(
    target: ActorModule | WasmActorModule,
    options: SchedulerSpawnOptions | undefined,
  ): { thread: number; spec: ModuleSpawn } {
    const wasm = 'wasm' in target ? target : undefined;
    const module = wasm
      ? resolveModule(wasm.wasm, 'spec.wasm')
      : resolveModule((target as ActorModule).module);
    const thread = this.#placer.choose(options?.placement, this.#threadOfPid);
    const { placement: _p, ...rest } = options ?? {};
    if (rest.linkTo !== undefined)
      throw new SpawnError('spawn: options.linkTo is not supported for modules; link after spawning');
    const base: ModuleSpawn = wasm
      ? {
          module,
          kind: 'wasm',
          ...(wasm.args === undefined ? {} : { args: wasm.args }),
          ...(wasm.mode === undefined ? {} : { mode: wasm.mode }),
          ...(wasm.profile === undefined ? {} : { profile: wasm.profile }),
          ...(wasm.grants === undefined ? {} : { grants: wasm.grants }),
        }
      : { module };
    return { thread, spec: Object.keys(rest).length === 0 ? base : { ...base, options: rest } };
  }

  /**
   * Start a supervisor on the main thread; children may live on any shard (links cross shards).
   * Children's `start` receives this scheduler.
   */
  supervise(spec: SupervisorSpec<any>): Pid {
    if (this.#closed) throw new ClosedError('supervise: the scheduler is closed');
    return startSupervisor(this, spec);
  }

  /** Where the scheduler, its shards' runtimes and Wasm hosts, and its supervisors log. */
  get logger(): Logger {
    return this.#logger;
  }

  // send, sendNamed, notify, sendAfter, names, links, monitors, exit, kill, clock: RoutedNode.

  /** True while messages from the main thread to shard `shard` wait for ring space. */
  pressured(shard: number): boolean {
    return this.#mesh.pressured(shard);
  }

  /**
   * Exact, as on a `Runtime`: a main-thread pid is looked up here; a shard pid is asked of its
   * shard, and this call blocks for that round trip (like a synchronous {@link spawn}: typically
   * tens of microseconds, but as long as the shard's current handler runs — the watchdog bounds
   * that by `maxHandlerMs`, after which the shard's pids read as dead). The answer holds at the
   * moment the shard gave it, after everything this thread sent to that shard before. False for a
   * pid of a shard that no longer runs, and after {@link close}/{@link destroy}. To follow a
   * process without blocking, `monitor` it.
   *
   * @example
   * if (!scheduler.isAlive(pid)) pid = scheduler.spawn({ module: url });
   */
  isAlive(pid: Pid): boolean {
    if (!isPid(pid)) return false;
    if (this.node.isLocal(pid)) return this.#runtime.isAlive(pid);
    const thread = this.node.threadOf(pid);
    if (thread < 0 || thread >= this.shards || this.#closed) return false;
    const entry = this.#workers[thread] as ShardSlot;
    const id = ++this.#syncSeq;
    this.node.dispatch(thread, { t: 'alive', id, pid });
    if (this.#awaitReply(thread, entry, id)) return (entry.reply.read() as { pid: number }).pid === 1;
    // The shard was replaced while we waited (its processes are gone) or it did not answer in
    // spawnTimeoutMs (a shard stuck outside any handler; the watchdog cannot see that).
    if (this.#workers[thread] === entry) {
      this.#logger.warn(`isAlive: shard ${thread} did not answer within ${this.#spawnTimeoutMs} ms`);
    }
    return false;
  }

  // ---- inspection -----------------------------------------------------------------------------

  async list(): Promise<Pid[]> {
    const parts = await Promise.all(this.#workers.map((_w, t) => this.node.query(t, 'list')));
    return [...this.#runtime.list(), ...parts.flatMap((p) => (Array.isArray(p) ? (p as Pid[]) : []))];
  }

  async info(pid: Pid): Promise<ProcessInfo | undefined> {
    if (!isPid(pid)) throw new InvalidArgumentError(`info: pid must be a pid, got ${String(pid)}`);
    if (this.node.isLocal(pid)) {
      const info = this.#runtime.info(pid);
      return info === undefined ? undefined : { ...info, names: this.node.namesOf(pid) };
    }
    const t = this.node.threadOf(pid);
    if (t < 0) return undefined;
    const answer = await this.node.query(t, 'info', pid);
    return (answer ?? undefined) as ProcessInfo | undefined;
  }

  /**
   * Totals over every shard and the main thread, plus ring counters (queued, refused) and the
   * jobs started on the pool and not yet settled (`jobsRunning`: {@link run} and guests' `run_job`).
   */
  async stats(): Promise<NodeStats & { ringQueued: number; ringRefused: number; jobsRunning: number }> {
    const parts = (await Promise.all(this.#workers.map((_w, t) => this.node.query(t, 'stats')))) as (
      | (NodeStats & { queued: number; refused: number })
      | undefined
    )[];
    const own = { ...this.#runtime.stats(), ...this.#mesh.stats() };
    const all = [own, ...parts.filter((p) => p != null)];
    const sum = (k: keyof NodeStats | 'queued' | 'refused') =>
      all.reduce((n, p) => n + ((p as unknown as Record<string, number>)[k] ?? 0), 0);
    return {
      processes: sum('processes'),
      spawned: sum('spawned'),
      exited: sum('exited'),
      crashed: sum('crashed'),
      messagesSent: sum('messagesSent'),
      messagesRefused: sum('messagesRefused'),
      ringQueued: sum('queued'),
      ringRefused: sum('refused'),
      jobsRunning: this.#jobs?.running ?? 0,
    };
  }

  /** The pid slot of each worker shard now (changes when a shard is replaced). */
  slots(): number[] {
    return this.#workers.map((w) => w.slot);
  }

  // ---- one-off jobs ---------------------------------------------------------------------------

  /**
   * Run a one-off job on the piscina pool: `task.module` exports a function (`task.name`, default
   * `default`) called with `task.input`. With `task.replyTo`, the result also arrives to that
   * actor as `{ type: 'job', id, ok, value | error }`.
   *
   * @example
   * const value = await scheduler.run({ module: url, input: 42, timeout: 1000, replyTo: pid, id: 'sum' });
   */
  run<R = unknown>(task: JobRequest): Promise<R> {
    if (this.#closed) return Promise.reject(new ClosedError('run: the scheduler is closed'));
    this.#jobs ??= new JobPool(this.#options.jobThreads ?? Math.max(1, Math.floor(this.shards / 2)));
    return this.#jobs.run<R>(task, (pid, msg) => this.send(pid, msg));
  }

  /**
   * Let Wasm guests start a job by name: a guest with the `jobs` capability (spawn it with
   * `grants: { jobs: true }` or `profile: 'trusted'`) calls `run_job(name, args, timeoutMs)` and
   * later receives the outcome as a job-result message (docs/abi.md, "Jobs"). The job function
   * gets the guest's argument bytes (a Uint8Array) and returns a Uint8Array, a string or nothing.
   * Registering a name again replaces it.
   *
   * @example
   * scheduler.registerJob('sum', { module: new URL('./jobs/sum.js', import.meta.url), name: 'sumBytes' });
   * scheduler.spawn({ wasm: 'jobber.wasm', grants: { jobs: true } });
   */
  registerJob(name: string, task: { readonly module: string | URL; readonly name?: string }): void {
    if (this.#closed) throw new ClosedError('registerJob: the scheduler is closed');
    this.#guestJobs.register(name, task);
    // Every shard answers `run_job` from its own copy of the names, so it needs no round-trip.
    const names = this.#guestJobs.names();
    for (let t = 0; t < this.shards; t++) this.node.dispatch(t, { t: 'jobNames', names });
  }

  /**
   * The `HostNode.runJob` hook, for a WasmHost running on the main thread over this scheduler
   * (shards' hosts use their ShardHostNode, which forwards here over the ring).
   *
   * @example
   * const host = new WasmHost(scheduler); // guests granted `jobs` can now call run_job
   */
  runJob(request: GuestJobRequest): JobStart {
    if (this.#closed) return 'closed';
    if (!this.#guestJobs.has(request.name)) return 'unknown';
    this.#guestJobs.start(request);
    return 'started';
  }

  /**
   * `killed` processes of the main thread (the `HostNode` hook through which a WasmHost on this
   * scheduler frees a killed actor's guest state). Returns a function that removes the listener.
   *
   * @example
   * const off = scheduler.on('kill', (pid) => console.log(`${pid} was killed`));
   */
  on(event: 'kill', listener: KillListener): () => void {
    return onKillUnwrapped(this.node.rt, event, listener);
  }

  /** @internal The behaviour a main-thread process was spawned with (a WasmHost tells its actors by it). */
  _behaviourOf(pid: Pid): unknown {
    return unwrapBehaviour(this.node.rt._behaviourOf(pid));
  }

  // ---- lifetime -------------------------------------------------------------------------------

  /** Stop every process on every shard; resolves how many were stopped (same as {@link close}). */
  shutdown(): Promise<number> {
    return this.close();
  }

  /**
   * Graceful: refuse new spawns, stop every process (the main thread's, then the shards' in parallel),
   * stop the workers and the job pool. Idempotent; every call returns the same promise.
   */
  close(): Promise<number> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<number> {
    this.#closed = true;
    this.#watchdog.stop();
    await this.ready.catch(() => {});
    // Main-thread processes first, as OTP stops an application top-down: a supervisor here stops
    // its children on the shards (exits queued ahead of the shards' close) instead of seeing them
    // end and trying to restart them on a scheduler that no longer spawns.
    const own = await this.#runtime.shutdown();
    const stopped = await Promise.all(
      this.#workers.map(
        (w, t) =>
          new Promise<number>((resolve) => {
            if (w === undefined) return resolve(0);
            const timer = setTimeout(() => resolve(0), 5000);
            w.closed = (n) => {
              clearTimeout(timer);
              resolve(n);
            };
            this.node.dispatch(t, { t: 'close' });
          }),
      ),
    );
    this.#mesh.publish();
    await this.#teardown();
    return own + stopped.reduce((a, b) => a + b, 0);
  }

  /** Immediate: terminate every shard and the job pool; pending queries reject. Idempotent. */
  destroy(): Promise<void> {
    this.#destroying ??= (async () => {
      this.#closed = true;
      this.#watchdog.stop();
      await this.#runtime.shutdown();
      await this.#teardown();
    })();
    return this.#destroying;
  }

  async #teardown(): Promise<void> {
    this.#mesh.stop();
    this.node.rejectPending(new ClosedError('the scheduler was closed'));
    await Promise.all(this.#workers.map((w) => w?.worker.terminate()));
    await this.#jobs?.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
