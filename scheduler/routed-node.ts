/**
 * The {@link LocalNode} operations that route through a thread's {@link ShardNode} unchanged —
 * messaging, names, links, monitors and exits — shared by the two faces a ShardNode has: the
 * main thread's {@link Scheduler} and a shard's {@link ShardHostNode} (the Wasm host's node).
 * Each subclass keeps what differs (spawn, isAlive, info, list, stats, supervise, shutdown).
 *
 * @example
 * class MyFace extends RoutedNode {
 *   constructor(node: ShardNode) {
 *     super();
 *     this.node = node; // set before any routed call
 *   }
 * }
 */
import type { Runtime } from '../runtime/runtime.js';
import type { ExitReason, MonitorRef, Pid, TimerRef } from '../runtime/types.js';
import type { ShardNode } from './shard-node.js';

export abstract class RoutedNode {
  /**
   * The thread's node. Not a constructor argument: the Scheduler builds its node after fields
   * that the node needs (mesh, routes), so it assigns this once, inside its own constructor.
   */
  protected node!: ShardNode;

  /** The clock of the thread's runtime (supervisor restart windows use it). */
  get clock(): Runtime['clock'] {
    return this.node.rt.clock;
  }

  // ---- messaging ------------------------------------------------------------------------------

  /**
   * Send to any pid. Across shards the message must be a Uint8Array or plain data (else throws
   * `WACTOR_ERR_SCHEDULER_MESSAGE`); false if the pid's shard is gone or the ring's local queue is
   * over `maxQueuedBytes` (backpressure).
   */
  send(pid: Pid, msg: unknown): boolean {
    return this.node.send(pid, msg);
  }
  /**
   * `send(pid, src.slice(start, end))`; to another shard the bytes are written from `src`
   * straight into the ring (the Wasm host sends guest memory this way). `src` may be reused at once.
   */
  sendCopy(pid: Pid, src: Uint8Array, start: number, end: number): boolean {
    return this.node.sendCopy(pid, src, start, end);
  }
  sendNamed(name: string, msg: unknown): boolean {
    return this.node.sendNamed(name, msg);
  }
  notify(pid: Pid, msg: unknown): boolean {
    return this.node.notify(pid, msg);
  }
  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef {
    return this.node.sendAfter(pid, ms, msg);
  }

  // ---- names, links, monitors, exits ----------------------------------------------------------

  register(name: string, pid: Pid): boolean {
    return this.node.register(name, pid);
  }
  unregister(name: string): boolean {
    return this.node.unregister(name);
  }
  whereis(name: string): Pid | undefined {
    return this.node.whereis(name);
  }
  registered(): string[] {
    return this.node.registry.names();
  }
  link(a: Pid, b: Pid): boolean {
    return this.node.link(a, b);
  }
  unlink(a: Pid, b: Pid): boolean {
    return this.node.unlink(a, b);
  }
  trapExit(pid: Pid, on: boolean): boolean {
    return this.node.trapExit(pid, on);
  }
  monitor(watcher: Pid, target: Pid): MonitorRef {
    return this.node.monitor(watcher, target);
  }
  demonitor(ref: MonitorRef): boolean {
    return this.node.demonitor(ref);
  }
  exit(pid: Pid, reason: ExitReason): boolean {
    return this.node.exit(pid, reason);
  }
  kill(pid: Pid): boolean {
    return this.node.exit(pid, 'killed');
  }
}
