/**
 * The halves of links and monitors whose two ends live on different threads, kept by one thread's
 * {@link ShardNode}. Each side keeps its own half, keyed by its local pid:
 * - monitors: the watcher's thread holds `ref → {watcher, target}` (`#mine`); the target's thread
 *   holds `target → (ref → watcher)` (`#watchedBy`). When the target ends, its thread sends a
 *   `down` to the watcher's thread; when a shard is lost, the watcher's thread fires the downs
 *   itself from its half, because the other half died with the shard.
 * - links: each thread holds `local pid → remote pids` (`#links`) and sends `linkExit` when its
 *   local end ends.
 * Control messages between two threads ride the same ring as user messages, so a message sent
 * before an exit signal is delivered before it (per-pair order, as in OTP).
 *
 * @example
 * const links = new ShardLinks(node);
 * links.monitor(watcherHere, targetOnShard2); // a negative ref; the down comes over the ring
 */
import { deserializeError, serializeError } from '../runtime/errors.js';
import { assertPid, shardOf } from '../runtime/pid.js';
import type { ExitReason, MonitorRef, Pid } from '../runtime/types.js';
import type { Control, WireError } from './protocol.js';
import type { ShardNode } from './shard-node.js';

/** The watcher pid that stands for "the node itself" (internal monitors: `ShardNode.onNodeDown`). */
export const NODE_WATCHER = 0;

export class ShardLinks {
  readonly #node: ShardNode;
  /** Watcher side of cross-thread monitors (refs minted here are negative). */
  readonly #mine = new Map<MonitorRef, { watcher: Pid; target: Pid }>();
  readonly #mineByWatcher = new Map<Pid, Set<MonitorRef>>();
  /** Target side: local target → (ref → remote watcher). */
  readonly #watchedBy = new Map<Pid, Map<MonitorRef, Pid>>();
  /** Both sides of cross-thread links: local pid → remote pids. */
  readonly #links = new Map<Pid, Set<Pid>>();
  #refSeq = 0;

  constructor(node: ShardNode) {
    this.#node = node;
  }

  #toOwner(pid: Pid, control: Control): boolean {
    return this.#node.dispatch(this.#node.threadOf(pid), control);
  }

  // ---- links ----------------------------------------------------------------------------------

  link(a: Pid, b: Pid): boolean {
    // Checked first: a bad end would otherwise read as a dead shard and kill the other end.
    assertPid(a, 'link: a');
    assertPid(b, 'link: b');
    if (this.#node.isLocal(a) && this.#node.isLocal(b)) return this.#node.rt.link(a, b);
    if (this.#node.threadOf(a) < 0 || this.#node.threadOf(b) < 0) {
      // One end lives on no running shard: the live local end gets a `noproc` exit signal.
      if (this.#node.isLocal(a)) this.#applyLinkExit(a, b, 'noproc', undefined, true);
      else if (this.#node.isLocal(b)) this.#applyLinkExit(b, a, 'noproc', undefined, true);
      return false;
    }
    return this.#toOwner(a, { t: 'link', a, b });
  }

  unlink(a: Pid, b: Pid): boolean {
    assertPid(a, 'unlink: a');
    assertPid(b, 'unlink: b');
    if (this.#node.isLocal(a) && this.#node.isLocal(b)) return this.#node.rt.unlink(a, b);
    this.#toOwner(a, { t: 'unlink', a, b });
    this.#toOwner(b, { t: 'unlink', a: b, b: a });
    return true;
  }

  #addLink(local: Pid, remote: Pid): void {
    const set = this.#links.get(local);
    if (set === undefined) this.#links.set(local, new Set([remote]));
    else set.add(remote);
  }

  /** An exit signal from remote `from` reaches local `to` over a link (OTP semantics). */
  #applyLinkExit(to: Pid, from: Pid, reason: ExitReason, error: WireError | undefined, force = false): void {
    const set = this.#links.get(to);
    if (!force) {
      if (set === undefined || !set.delete(from)) return;
    } else set?.delete(from);
    const info = this.#node.rt.info(to);
    if (info === undefined) return;
    if (info.trapExit) {
      const err = error === undefined ? undefined : deserializeError(error);
      this.#node.rt.notify(
        to,
        err === undefined ? { type: 'exit', from, reason } : { type: 'exit', from, reason, error: err },
      );
    } else if (reason !== 'normal') {
      this.#node.rt.exit(to, reason);
    }
  }

  // ---- monitors -------------------------------------------------------------------------------

  monitor(watcher: Pid, target: Pid): MonitorRef {
    if (watcher !== NODE_WATCHER) assertPid(watcher, 'monitor: watcher');
    assertPid(target, 'monitor: target');
    if (watcher !== NODE_WATCHER && this.#node.isLocal(watcher) && this.#node.isLocal(target)) {
      return this.#node.rt.monitor(watcher, target);
    }
    const ref = -(++this.#refSeq * 1024 + this.#node.slot);
    if (watcher === NODE_WATCHER || this.#node.isLocal(watcher)) this.#watchFrom(ref, watcher, target);
    else this.#toOwner(watcher, { t: 'monitor', ref, watcher, target });
    return ref;
  }

  demonitor(ref: MonitorRef): boolean {
    if (ref > 0) return this.#node.rt.demonitor(ref);
    const m = this.#mine.get(ref);
    if (m === undefined) return false;
    this.#forget(ref, m.watcher);
    this.#toOwner(m.target, { t: 'demonitor', ref, target: m.target });
    return true;
  }

  /** Watcher side: record the monitor here, then ask the target's thread to watch. */
  #watchFrom(ref: MonitorRef, watcher: Pid, target: Pid): void {
    if (watcher !== NODE_WATCHER && !this.#node.rt.isAlive(watcher)) return;
    this.#mine.set(ref, { watcher, target });
    const set = this.#mineByWatcher.get(watcher);
    if (set === undefined) this.#mineByWatcher.set(watcher, new Set([ref]));
    else set.add(ref);
    const t = this.#node.threadOf(target);
    if (t < 0) this.#down(ref, target, 'noproc', undefined);
    else this.#node.dispatch(t, { t: 'monitor', ref, watcher, target });
  }

  #forget(ref: MonitorRef, watcher: Pid): void {
    this.#mine.delete(ref);
    const set = this.#mineByWatcher.get(watcher);
    set?.delete(ref);
    if (set?.size === 0) this.#mineByWatcher.delete(watcher);
  }

  /** Watcher side: deliver a down for `ref` (if still monitored). */
  #down(ref: MonitorRef, target: Pid, reason: ExitReason, error: WireError | undefined): void {
    const m = this.#mine.get(ref);
    if (m === undefined) return;
    this.#forget(ref, m.watcher);
    if (m.watcher === NODE_WATCHER) {
      this.#node.onNodeDown?.(target, reason);
      return;
    }
    const err = error === undefined ? undefined : deserializeError(error);
    this.#node.rt.notify(
      m.watcher,
      err === undefined
        ? { type: 'down', ref, pid: target, reason }
        : { type: 'down', ref, pid: target, reason, error: err },
    );
  }

  // ---- ends ------------------------------------------------------------------------------------

  /** Local `pid` ended: tell its remote links and watchers; drop the monitors it held. */
  localExit(pid: Pid, reason: ExitReason, error: unknown): void {
    const wire = error === undefined ? undefined : serializeError(error);
    const links = this.#links.get(pid);
    if (links !== undefined) {
      this.#links.delete(pid);
      for (const other of links) {
        this.#toOwner(
          other,
          wire
            ? { t: 'linkExit', from: pid, to: other, reason, error: wire }
            : { t: 'linkExit', from: pid, to: other, reason },
        );
      }
    }
    const watchers = this.#watchedBy.get(pid);
    if (watchers !== undefined) {
      this.#watchedBy.delete(pid);
      for (const [ref, watcher] of watchers) this.#sendDown(ref, watcher, pid, reason, wire);
    }
    const mine = this.#mineByWatcher.get(pid);
    if (mine !== undefined) {
      for (const ref of [...mine]) this.demonitor(ref);
    }
  }

  #sendDown(
    ref: MonitorRef,
    watcher: Pid,
    target: Pid,
    reason: ExitReason,
    error: WireError | undefined,
  ): void {
    // A NODE_WATCHER monitor was minted by the thread in the ref's low bits.
    const thread =
      watcher === NODE_WATCHER ? this.#node.threadOfSlot(-ref % 1024) : this.#node.threadOf(watcher);
    this.#node.dispatch(
      thread,
      error
        ? { t: 'down', ref, watcher, target, reason, error }
        : { t: 'down', ref, watcher, target, reason },
    );
  }

  /**
   * Shard `slot` is gone (its worker was terminated or died): every process there ended with
   * `killed`, except `culprit`, which ended with `reason` (`timeout`). Fire our halves of links
   * and monitors that pointed there.
   */
  shardLost(slot: number, culprit: Pid, culpritReason: ExitReason): void {
    const reasonOf = (pid: Pid): ExitReason => (pid === culprit ? culpritReason : 'killed');
    for (const [ref, m] of [...this.#mine]) {
      if (shardOf(m.target) === slot) this.#down(ref, m.target, reasonOf(m.target), undefined);
    }
    for (const [local, remotes] of [...this.#links]) {
      for (const remote of [...remotes]) {
        if (shardOf(remote) === slot) this.#applyLinkExit(local, remote, reasonOf(remote), undefined);
      }
    }
    for (const [target, watchers] of this.#watchedBy) {
      for (const [ref, watcher] of [...watchers]) if (shardOf(watcher) === slot) watchers.delete(ref);
      if (watchers.size === 0) this.#watchedBy.delete(target);
    }
  }

  // ---- control messages --------------------------------------------------------------------

  /** The link and monitor control messages (see the file comment for who holds which half). */
  handle(
    c: Extract<Control, { t: 'link' | 'unlink' | 'linkExit' | 'monitor' | 'demonitor' | 'down' }>,
  ): void {
    switch (c.t) {
      case 'link': {
        // Arrives at a's thread first, then (swapped) at b's thread.
        if (!this.#node.isLocal(c.a)) return;
        if (!this.#node.rt.isAlive(c.a)) {
          this.#toOwner(c.b, { t: 'linkExit', from: c.a, to: c.b, reason: 'noproc' });
          return;
        }
        if (this.#node.isLocal(c.b)) {
          this.#node.rt.link(c.a, c.b);
          return;
        }
        const known = this.#links.get(c.a)?.has(c.b) ?? false;
        this.#addLink(c.a, c.b);
        if (!known) this.#toOwner(c.b, { t: 'link', a: c.b, b: c.a });
        return;
      }
      case 'unlink':
        if (this.#node.isLocal(c.a)) this.#links.get(c.a)?.delete(c.b);
        return;
      case 'linkExit':
        this.#applyLinkExit(c.to, c.from, c.reason, c.error, c.reason === 'noproc');
        return;
      case 'monitor':
        if (!this.#node.isLocal(c.target)) {
          // Third-party request arriving at the watcher's thread.
          if (this.#node.isLocal(c.watcher)) this.#watchFrom(c.ref, c.watcher, c.target);
          return;
        }
        if (!this.#node.rt.isAlive(c.target)) {
          this.#sendDown(c.ref, c.watcher, c.target, 'noproc', undefined);
          return;
        }
        {
          const map = this.#watchedBy.get(c.target);
          if (map === undefined) this.#watchedBy.set(c.target, new Map([[c.ref, c.watcher]]));
          else map.set(c.ref, c.watcher);
        }
        return;
      case 'demonitor': {
        const map = this.#watchedBy.get(c.target);
        map?.delete(c.ref);
        if (map?.size === 0) this.#watchedBy.delete(c.target);
        return;
      }
      case 'down':
        this.#down(c.ref, c.target, c.reason, c.error);
        return;
    }
  }
}
