/**
 * Jobs that Wasm guests start by name: the registered names (`Scheduler.registerJob`), a guest's
 * `run_job` request run on the scheduler's piscina pool with its result sent back as a job-result
 * message, and the rule that a guest's jobs end with it — when a guest ends, its running jobs are
 * aborted (an AbortSignal per job), so a job without a timeout cannot hold a pool thread forever.
 * Lives on the main thread, which owns the pool.
 *
 * @example
 * const jobs = new GuestJobs({ node, run: (task) => scheduler.run(task), send: (pid, b) => scheduler.send(pid, b) });
 * jobs.register('sum', { module: new URL('./jobs/sum.js', import.meta.url), name: 'sumBytes' });
 * node.onJob = (request) => jobs.start(request);
 * node.onNodeDown = (pid) => jobs.ownerDown(pid);
 */
import { InvalidArgumentError, serializeError } from '../runtime/errors.js';
import { describe } from '../runtime/pid.js';
import type { MonitorRef, Pid } from '../runtime/types.js';
import { checkName } from '../runtime/validate.js';
import {
  encodeJobError,
  encodeJobOk,
  type GuestJobRequest,
  jobValueBytes,
} from '../wasm-actors/job-result.js';
import type { JobRequest } from './jobs.js';
import { resolveModule } from './module-loader.js';
import { NODE_WATCHER } from './shard-links.js';
import type { ShardNode } from './shard-node.js';

export interface GuestJobsOptions {
  /** The main thread's node: monitors the guests that own running jobs. */
  readonly node: ShardNode;
  /** Run a job on the pool (`Scheduler.run`). */
  readonly run: (task: JobRequest) => Promise<unknown>;
  /** Deliver a job-result message to a guest. */
  readonly send: (pid: Pid, bytes: Uint8Array) => void;
}

export class GuestJobs {
  readonly #node: ShardNode;
  readonly #run: (task: JobRequest) => Promise<unknown>;
  readonly #send: (pid: Pid, bytes: Uint8Array) => void;
  /** Jobs guests may start by name. */
  readonly #names = new Map<string, { module: string | URL; name?: string }>();
  /** Guests with jobs still running: the node-level monitor and one controller per job. */
  readonly #jobOwners = new Map<Pid, { ref: MonitorRef; jobs: Set<AbortController> }>();

  constructor(options: GuestJobsOptions) {
    this.#node = options.node;
    this.#run = options.run;
    this.#send = options.send;
  }

  /** Register (or replace) job `name`; throws on a bad name or task, naming the rule. */
  register(name: string, task: { readonly module: string | URL; readonly name?: string }): void {
    checkName(name, 'registerJob: name');
    const bytes = new TextEncoder().encode(name).length;
    if (bytes > 255) {
      throw new InvalidArgumentError(`registerJob: name must be at most 255 bytes of UTF-8, got ${bytes}`);
    }
    if (task === null || typeof task !== 'object') {
      throw new InvalidArgumentError(`registerJob: task must be { module, name? }, got ${describe(task)}`);
    }
    // Checked here, not when a guest first calls run_job: a bad export name would otherwise
    // surface only as a job error inside some guest, far from the registerJob that caused it.
    if (task.name !== undefined && (typeof task.name !== 'string' || task.name.length === 0)) {
      throw new InvalidArgumentError(
        `registerJob: task.name must be a non-empty string (the module's export), got ${describe(task.name)}`,
      );
    }
    const module = resolveModule(task.module, 'registerJob: task.module');
    this.#names.set(name, task.name === undefined ? { module } : { module, name: task.name });
  }

  has(name: string): boolean {
    return this.#names.has(name);
  }

  /** The registered names (every shard keeps a copy to answer `run_job` at once). */
  names(): string[] {
    return [...this.#names.keys()];
  }

  /** A guest's job request (from its shard, or a main-thread host): run it on the pool, answer with a job-result message. */
  start(c: GuestJobRequest): void {
    const reply = (bytes: Uint8Array) => this.#send(c.replyTo, bytes);
    const spec = this.#names.get(c.name);
    if (spec === undefined) {
      reply(encodeJobError(c.id, 'WACTOR_ERR_SCHEDULER_JOB_UNKNOWN', `run_job: no job named '${c.name}'`));
      return;
    }
    const job = this.#jobFor(c.replyTo);
    this.#run({
      module: spec.module,
      ...(spec.name === undefined ? {} : { name: spec.name }),
      input: c.args,
      signal: job.signal,
      ...(c.timeoutMs > 0 ? { timeout: c.timeoutMs } : {}),
    })
      .finally(() => this.#jobDone(c.replyTo, job))
      .then(
        (value) => {
          const bytes = jobValueBytes(value);
          reply(
            bytes === undefined
              ? encodeJobError(
                  c.id,
                  'WACTOR_ERR_SCHEDULER_JOB_RESULT',
                  `run_job: job '${c.name}' returned ${describe(value)}; a guest's job must return a Uint8Array, a string or nothing`,
                )
              : encodeJobOk(c.id, bytes),
          );
        },
        (err: unknown) => {
          const e = serializeError(err);
          reply(encodeJobError(c.id, e.code, e.message));
        },
      );
  }

  /**
   * An abort controller for a job of guest `owner`, aborted when the guest ends: nobody is left to
   * take the result, and a job without a timeout would hold a pool thread forever. The first job
   * of an owner starts one node-level monitor (its `down` arrives here from any shard, or at once
   * with `noproc` for an owner already gone); the owner's last job to settle drops it.
   */
  #jobFor(owner: Pid): AbortController {
    const controller = new AbortController();
    const entry = this.#jobOwners.get(owner);
    if (entry !== undefined) {
      entry.jobs.add(controller);
      return controller;
    }
    // In the table before monitoring: the down of an owner already gone can arrive inside
    // `monitor` (a main-thread pid), and must find this job to abort it.
    const fresh = { ref: 0, jobs: new Set([controller]) };
    this.#jobOwners.set(owner, fresh);
    fresh.ref = this.#node.monitor(NODE_WATCHER, owner);
    return controller;
  }

  #jobDone(owner: Pid, controller: AbortController): void {
    const entry = this.#jobOwners.get(owner);
    if (entry === undefined || !entry.jobs.delete(controller) || entry.jobs.size > 0) return;
    this.#jobOwners.delete(owner);
    this.#node.demonitor(entry.ref);
  }

  /** A guest with jobs ended: abort them (the pool frees their threads). */
  ownerDown(owner: Pid): void {
    const entry = this.#jobOwners.get(owner);
    if (entry === undefined) return;
    this.#jobOwners.delete(owner);
    for (const c of entry.jobs) c.abort();
  }
}
