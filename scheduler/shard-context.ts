/**
 * The `ctx` a process on a shard sees: the runtime's own context for everything about the
 * process itself (receive, exit, trapping), and the {@link ShardNode} for everything that names
 * another pid, so sends, links, monitors, exit signals and names work across shards.
 *
 * @example
 * // inside a JS actor module's handler
 * receive(msg, ctx) { ctx.send(msg.replyTo, 'pong'); } // replyTo may live on any shard
 */
import type {
  Behaviour,
  Context,
  ExitReason,
  MonitorRef,
  Pid,
  ReceiveOptions,
  SpawnOptions,
  TimerRef,
} from '../runtime/types.js';
import type { ShardNode } from './shard-node.js';
import type { WatchMarks } from './wrap.js';

export class ShardContext implements Context {
  readonly self: Pid;
  readonly #node: ShardNode;
  readonly #inner: Context;
  readonly #marks: WatchMarks | undefined;

  constructor(node: ShardNode, inner: Context, marks?: WatchMarks) {
    this.self = inner.self;
    this.#node = node;
    this.#inner = inner;
    this.#marks = marks;
  }

  /**
   * A receive-loop body resumes after `receive`: its synchronous stretch from there is watched
   * like a handler call. The mark is entered by a reaction registered on the runtime's own
   * promise before the body's `await` registers its own, so both run as adjacent microtasks, queued
   * when the message is handed over. Returning a derived promise (`p.then(enter)`) would put the
   * body one microtask later, behind the Mesh pass queued at the end of the delivering pass, whose
   * `onPass` clears the mark (wrap.ts): the body would then run unwatched, and one that never
   * returns would hang its shard without the watchdog noticing. A rejection (receive timeout)
   * resumes the body too, so it enters as well; the rejection itself reaches the body's await.
   */
  receive<T = unknown>(options?: ReceiveOptions): Promise<T> {
    const marks = this.#marks;
    const p = this.#inner.receive<T>(options);
    if (marks === undefined) return p;
    // Left only once the runtime took the call: a refused one (bad options, a receive already
    // pending) throws here, and the body that catches it runs on, still watched.
    marks.leave();
    // Cleared when the body next calls receive, at the next Mesh pass, or by the shard's
    // heartbeat timer once the thread is back in its event loop (a body awaiting I/O is no runaway).
    const enter = (): void => marks.enter(this.self);
    p.then(enter, enter);
    return p;
  }

  send(pid: Pid, msg: unknown): boolean {
    return this.#node.send(pid, msg);
  }

  sendNamed(name: string, msg: unknown): boolean {
    return this.#node.sendNamed(name, msg);
  }

  spawn(behaviour: Behaviour, options?: SpawnOptions): Pid {
    return this.#node.spawnLocal(behaviour, options);
  }

  spawnLink(behaviour: Behaviour, options?: SpawnOptions): Pid {
    return this.#node.spawnLocal(behaviour, { ...options, linkTo: this.self });
  }

  link(pid: Pid): boolean {
    return this.#node.link(this.self, pid);
  }

  unlink(pid: Pid): boolean {
    return this.#node.unlink(this.self, pid);
  }

  monitor(pid: Pid): MonitorRef {
    return this.#node.monitor(this.self, pid);
  }

  demonitor(ref: MonitorRef): boolean {
    return this.#node.demonitor(ref);
  }

  trapExit(on: boolean): void {
    this.#inner.trapExit(on);
  }

  exit(reason?: ExitReason): void {
    this.#inner.exit(reason);
  }

  exitSignal(pid: Pid, reason: ExitReason): boolean {
    return this.#node.exitSignal(this.self, pid, reason);
  }

  register(name: string): boolean {
    return this.#node.register(name, this.self);
  }

  unregister(name: string): boolean {
    return this.#node.unregister(name);
  }

  whereis(name: string): Pid | undefined {
    return this.#node.whereis(name);
  }

  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef {
    return this.#node.sendAfter(pid, ms, msg);
  }
}
