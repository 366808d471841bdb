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
import { InvalidArgumentError } from '../runtime/errors.js';
import { describe } from '../runtime/pid.js';
import type { KillListener, Runtime } from '../runtime/runtime.js';
import { startSupervisor } from '../runtime/supervisor.js';
import type {
  Behaviour,
  LocalNode,
  NodeStats,
  Pid,
  ProcessInfo,
  SpawnOptions,
  SupervisorSpec,
} from '../runtime/types.js';
import type { GuestJobRequest, JobStart } from '../wasm-actors/job-result.js';
import { RoutedNode } from './routed-node.js';
import type { ShardNode } from './shard-node.js';
import { unwrapBehaviour } from './wrap.js';

export class ShardHostNode extends RoutedNode implements LocalNode {
  constructor(node: ShardNode) {
    super();
    this.node = node;
  }

  on(event: 'kill', listener: KillListener): () => void {
    return onKillUnwrapped(this.node.rt, event, listener);
  }

  /** The behaviour a process of this shard was spawned with, under the watchdog wrapper. */
  _behaviourOf(pid: Pid): unknown {
    return unwrapBehaviour(this.node.rt._behaviourOf(pid));
  }

  spawn(behaviour: Behaviour, options?: SpawnOptions): Pid {
    return this.node.spawnLocal(behaviour, options);
  }
  // send, sendNamed, notify, sendAfter, names, links, monitors, exit, kill, clock: RoutedNode.
  /** Exact for this shard's pids; for another shard's pids: whether that shard is running. */
  isAlive(pid: Pid): boolean {
    return this.node.isLocal(pid) ? this.node.rt.isAlive(pid) : this.node.threadOf(pid) >= 0;
  }
  list(): Pid[] {
    return this.node.rt.list();
  }
  info(pid: Pid): ProcessInfo | undefined {
    return this.node.isLocal(pid) ? this.node.rt.info(pid) : undefined;
  }
  supervise(spec: SupervisorSpec<any>): Pid {
    // The supervisor needs only LocalNode operations and a clock, which this adapter has.
    return startSupervisor(this as unknown as Runtime, spec);
  }
  stats(): NodeStats {
    return this.node.rt.stats();
  }
  shutdown(): Promise<number> {
    return this.node.rt.shutdown();
  }
  /**
   * A guest's `run_job`: answered at once from this shard's copy of the registered job names,
   * then forwarded to the main thread, whose pool runs it and sends the result to `replyTo`.
   */
  runJob(request: GuestJobRequest): JobStart {
    if (!this.node.jobNames.has(request.name)) return 'unknown';
    const { name, args, replyTo, id, timeoutMs } = request;
    return this.node.dispatch(this.node.mainThread(), { t: 'job', name, args, replyTo, id, timeoutMs })
      ? 'started'
      : 'closed';
  }
}

/**
 * `on('kill')` of a runtime whose behaviours are wrapped for the watchdog (a shard's, or the
 * scheduler's main thread): the listener gets the behaviour as it was spawned. `event` is
 * checked here because the listener is wrapped before the runtime sees it (so the runtime's own
 * checks would pass any value), and 'kill' is the only event these nodes report.
 */
export function onKillUnwrapped(rt: Runtime, event: unknown, listener: KillListener): () => void {
  if (event !== 'kill') throw new InvalidArgumentError(`on: event must be 'kill', got ${describe(event)}`);
  if (typeof listener !== 'function') {
    throw new InvalidArgumentError(`on: listener must be a function, got ${describe(listener)}`);
  }
  return rt.on('kill', (pid, reason, error, b) =>
    listener(pid, reason, error, unwrapBehaviour(b) as Behaviour),
  );
}
