/**
 * The {@link LocalNode} a shard offers to code that drives processes from outside a `ctx` — the
 * Wasm host (wasm-actors/) in particular: every operation routes through the shard's
 * {@link ShardNode}, so a Wasm guest's `send`, `link`, `monitor` and names reach any shard, and
 * every spawned guest is wrapped for the watchdog like a JS actor.
 *
 * @example
 * const host = new WasmHost(new ShardHostNode(shardNode));
 * host.spawn('pong'); // a Wasm actor on this shard, watched, reachable from every shard
 */
import type { Runtime } from '../runtime/runtime.js';
import { startSupervisor } from '../runtime/supervisor.js';
import type {
  Behaviour,
  ExitReason,
  LocalNode,
  MonitorRef,
  NodeStats,
  Pid,
  ProcessInfo,
  SpawnOptions,
  SupervisorSpec,
  TimerRef,
} from '../runtime/types.js';
import type { GuestJobRequest, JobStart } from '../wasm-actors/job-result.js';
import type { ShardNode } from './shard-node.js';

export class ShardHostNode implements LocalNode {
  readonly #node: ShardNode;

  constructor(node: ShardNode) {
    this.#node = node;
  }

  get clock(): Runtime['clock'] {
    return this.#node.rt.clock;
  }

  on(event: 'exit', listener: (pid: Pid, reason: ExitReason, error: unknown) => void): () => void {
    return this.#node.rt.on(event, listener);
  }

  spawn(behaviour: Behaviour, options?: SpawnOptions): Pid {
    return this.#node.spawnLocal(behaviour, options);
  }
  send(pid: Pid, msg: unknown): boolean {
    return this.#node.send(pid, msg);
  }
  sendNamed(name: string, msg: unknown): boolean {
    return this.#node.sendNamed(name, msg);
  }
  notify(pid: Pid, msg: unknown): boolean {
    return this.#node.notify(pid, msg);
  }
  register(name: string, pid: Pid): boolean {
    return this.#node.register(name, pid);
  }
  unregister(name: string): boolean {
    return this.#node.unregister(name);
  }
  whereis(name: string): Pid | undefined {
    return this.#node.whereis(name);
  }
  registered(): string[] {
    return this.#node.registry.names();
  }
  link(a: Pid, b: Pid): boolean {
    return this.#node.link(a, b);
  }
  unlink(a: Pid, b: Pid): boolean {
    return this.#node.unlink(a, b);
  }
  trapExit(pid: Pid, on: boolean): boolean {
    return this.#node.trapExit(pid, on);
  }
  monitor(watcher: Pid, target: Pid): MonitorRef {
    return this.#node.monitor(watcher, target);
  }
  demonitor(ref: MonitorRef): boolean {
    return this.#node.demonitor(ref);
  }
  exit(pid: Pid, reason: ExitReason): boolean {
    return this.#node.exit(pid, reason);
  }
  kill(pid: Pid): boolean {
    return this.#node.exit(pid, 'killed');
  }
  /** Exact for this shard's pids; for another shard's pids: whether that shard is running. */
  isAlive(pid: Pid): boolean {
    return this.#node.isLocal(pid) ? this.#node.rt.isAlive(pid) : this.#node.threadOf(pid) >= 0;
  }
  list(): Pid[] {
    return this.#node.rt.list();
  }
  info(pid: Pid): ProcessInfo | undefined {
    return this.#node.isLocal(pid) ? this.#node.rt.info(pid) : undefined;
  }
  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef {
    return this.#node.sendAfter(pid, ms, msg);
  }
  supervise(spec: SupervisorSpec<any>): Pid {
    // The supervisor needs only LocalNode operations and a clock, which this adapter has.
    return startSupervisor(this as unknown as Runtime, spec);
  }
  stats(): NodeStats {
    return this.#node.rt.stats();
  }
  shutdown(): Promise<number> {
    return this.#node.rt.shutdown();
  }
  /**
   * A guest's `run_job`: answered at once from this shard's copy of the registered job names,
   * then forwarded to the main thread, whose pool runs it and sends the result to `replyTo`.
   */
  runJob(request: GuestJobRequest): JobStart {
    if (!this.#node.jobNames.has(request.name)) return 'unknown';
    const { name, args, replyTo, id, timeoutMs } = request;
    return this.#node.dispatch(this.#node.mainThread(), { t: 'job', name, args, replyTo, id, timeoutMs })
      ? 'started'
      : 'closed';
  }
}
