/**
 * The cluster's global names on one node: the gossiped {@link GlobalRegistry} plus what this
 * node does about its own claims — watch the owner process (withdraw the name when it dies),
 * broadcast changes, and tell a local process when its claim lost a conflict.
 *
 * @example
 * const names = new GlobalNames({ self: 'alpha', runtime, watcher, broadcast, logger });
 * names.register('db', pid); // true; RegAdd goes to every peer
 */
import type { Logger } from '../runtime/logger.js';
import type { LocalNode, MonitorRef, Pid } from '../runtime/types.js';
import { type GlobalEntry, GlobalRegistry } from './global-registry.js';
import type { ProcessWatcher } from './process-watcher.js';
import { type Frame, FrameType } from './protocol.js';

/** What the process that lost a global-name conflict receives. */
export interface GlobalNameLostMessage {
  readonly type: 'global_name_lost';
  readonly name: string;
  /** The node whose claim won. */
  readonly winner: string;
}

export interface GlobalNamesDeps {
  readonly self: string;
  readonly runtime: LocalNode;
  readonly watcher: ProcessWatcher;
  /** Send a frame to every linked peer. */
  readonly broadcast: (frame: Frame) => void;
  readonly logger: Logger;
}

export class GlobalNames {
  readonly #d: GlobalNamesDeps;
  readonly #registry: GlobalRegistry;
  /** Our own names → the monitor on their owner. */
  readonly #watches = new Map<string, MonitorRef>();

  constructor(deps: GlobalNamesDeps) {
    this.#d = deps;
    this.#registry = new GlobalRegistry(deps.self);
  }

  get(name: string): GlobalEntry | undefined {
    return this.#registry.get(name);
  }

  entries(): IterableIterator<[string, GlobalEntry]> {
    return this.#registry.entries();
  }

  /** RegSync's content: every name this node owns. */
  owned(): [string, number][] {
    return this.#registry.owned();
  }

  /** Claim `name` for local `pid`; false if the name is taken anywhere or the pid is dead. */
  register(name: string, pid: Pid): boolean {
    if (this.#registry.get(name) !== undefined || !this.#d.runtime.isAlive(pid)) return false;
    this.#registry.claim(name, this.#d.self, pid);
    this.#watches.set(
      name,
      this.#d.watcher.watch(pid, () => {
        // The owner died: withdraw the name everywhere.
        this.#watches.delete(name);
        const entry = this.#registry.release(name, this.#d.self, pid);
        if (entry) this.#d.broadcast([FrameType.RegDel, name, pid]);
      }),
    );
    this.#d.broadcast([FrameType.RegAdd, name, pid]);
    return true;
  }

  /** Release a name this node owns; false if it does not own it. */
  unregister(name: string): boolean {
    const entry = this.#registry.release(name, this.#d.self);
    if (entry === undefined) return false;
    this.#unwatch(name);
    this.#d.broadcast([FrameType.RegDel, name, entry.pid]);
    return true;
  }

  /** A peer's claim (RegAdd or RegSync entry). */
  applyClaim(name: string, node: string, pid: Pid): void {
    const lost = this.#registry.claim(name, node, pid).displaced;
    if (lost === undefined || lost.node !== this.#d.self) return;
    // We lost a conflict. Every node applies the same rule, so no frame is needed; tell our process.
    this.#unwatch(name);
    this.#d.logger.warn(`cluster ${this.#d.self}: global name ${JSON.stringify(name)} lost to node ${node}`);
    this.#d.runtime.notify(lost.pid, {
      type: 'global_name_lost',
      name,
      winner: node,
    } satisfies GlobalNameLostMessage);
  }

  /** A peer's RegDel. */
  release(name: string, node: string, pid: Pid): void {
    this.#registry.release(name, node, pid);
  }

  /** A peer's link went down: forget its names. */
  prune(node: string): void {
    this.#registry.prune(node);
  }

  #unwatch(name: string): void {
    const ref = this.#watches.get(name);
    if (ref === undefined) return;
    this.#watches.delete(name);
    this.#d.watcher.unwatch(ref);
  }
}
