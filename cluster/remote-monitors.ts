/**
 * Monitors across nodes, both directions:
 * - *out*: a local process watches a process on a peer (`monitorRemote`): a Monitor frame goes
 *   out, the peer answers Down when it ends; when the link drops the watcher gets `noconnection`.
 * - *in*: a peer watches one of our processes: we monitor it through the {@link ProcessWatcher}
 *   and send Down when it ends; when the link drops those monitors are removed.
 * Downs reach the watcher through `runtime.notify` (system notices bypass mailbox bounds).
 *
 * @example
 * const ref = monitors.monitor(watcherPid, { node: 'beta', pid }); // later: { type: 'down', ref, pid, node, reason }
 */

import { isPid } from '../runtime/pid.js';
import type { LocalNode, MonitorRef, Pid } from '../runtime/types.js';
import type { PeerLink } from './peer-link.js';
import type { ProcessWatcher } from './process-watcher.js';
import { FrameType } from './protocol.js';

/** What a process watching a remote process receives (a `DownMessage` plus the node). */
export interface RemoteDownMessage {
  readonly type: 'down';
  readonly ref: MonitorRef;
  readonly pid: Pid;
  readonly node: string;
  readonly reason: string;
}

// Cluster monitor refs live far above the runtime's so the two never collide in a mailbox.
const REF_BASE = 2 ** 40;

export class RemoteMonitors {
  readonly #runtime: LocalNode;
  readonly #watcher: ProcessWatcher;
  readonly #linkOf: (node: string) => PeerLink | undefined;
  /** ref → who watches what. */
  readonly #out = new Map<number, { watcher: Pid; node: string; pid: Pid }>();
  /** `${node}\0${ref}` → our monitor on the watched local process. */
  readonly #in = new Map<string, MonitorRef>();
  #nextRef = REF_BASE;

  constructor(runtime: LocalNode, watcher: ProcessWatcher, linkOf: (node: string) => PeerLink | undefined) {
    this.#runtime = runtime;
    this.#watcher = watcher;
    this.#linkOf = linkOf;
  }

  #notify(watcher: Pid, msg: RemoteDownMessage): void {
    this.#runtime.notify(watcher, msg);
  }

  monitor(watcher: Pid, target: { node: string; pid: Pid }): MonitorRef {
    const ref = this.#nextRef++;
    const link = this.#linkOf(target.node);
    if (link === undefined) {
      this.#notify(watcher, {
        type: 'down',
        ref,
        pid: target.pid,
        node: target.node,
        reason: 'noconnection',
      });
      return ref;
    }
    this.#out.set(ref, { watcher, node: target.node, pid: target.pid });
    link.send([FrameType.Monitor, ref, target.pid]);
    return ref;
  }

  demonitor(ref: MonitorRef): boolean {
    const m = this.#out.get(ref);
    if (m === undefined) return false;
    this.#out.delete(ref);
    this.#linkOf(m.node)?.send([FrameType.Demonitor, ref]);
    return true;
  }

  /** A peer's Monitor frame. */
  monitorIn(link: PeerLink, ref: number, pid: Pid): void {
    const key = `${link.name}\0${ref}`;
    // A repeat of a live monitor is a resend after a link replacement (see `relink`): keep the one
    // in place. Refs are never reused by a node, so this cannot confuse two monitors.
    if (this.#in.has(key)) return;
    if (!isPid(pid)) {
      link.send([FrameType.Down, ref, pid, 'noproc']);
      return;
    }
    const node = link.name;
    const mref = this.#watcher.watch(pid, (reason) => {
      this.#in.delete(key);
      this.#linkOf(node)?.send([FrameType.Down, ref, pid, reason]);
    });
    this.#in.set(key, mref);
  }

  /** A peer's Demonitor frame. */
  demonitorIn(link: PeerLink, ref: number): void {
    const key = `${link.name}\0${ref}`;
    const mref = this.#in.get(key);
    if (mref === undefined) return;
    this.#in.delete(key);
    this.#watcher.unwatch(mref);
  }

  /** A peer's Down frame for one of our monitors. */
  down(link: PeerLink, ref: number, pid: Pid, reason: string): void {
    const m = this.#out.get(ref);
    if (m === undefined || m.node !== link.name) return;
    this.#out.delete(ref);
    this.#notify(m.watcher, { type: 'down', ref, pid, node: link.name, reason });
  }

  /**
   * The link to `node` was replaced by another one without a nodedown (a crossing dial settled):
   * a Monitor frame still in flight on the retired link may be lost, so every monitor we hold on
   * that node is sent again over the new link. The peer keeps a monitor it already has; one whose
   * target ended meanwhile answers with a Down (`noproc` if the first Down was lost too).
   */
  relink(node: string): void {
    const link = this.#linkOf(node);
    if (link === undefined) return;
    for (const [ref, m] of this.#out) if (m.node === node) link.send([FrameType.Monitor, ref, m.pid]);
  }

  /** The link to `node` went down: watchers get `noconnection`; the peer's monitors go. */
  linkDown(node: string): void {
    for (const [ref, m] of this.#out) {
      if (m.node !== node) continue;
      this.#out.delete(ref);
      this.#notify(m.watcher, { type: 'down', ref, pid: m.pid, node, reason: 'noconnection' });
    }
    const prefix = `${node}\0`;
    for (const [key, mref] of this.#in) {
      if (!key.startsWith(prefix)) continue;
      this.#in.delete(key);
      this.#watcher.unwatch(mref);
    }
  }
}
