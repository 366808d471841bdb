/**
 * One thread's part of the sharded node: a {@link Runtime} for the processes that live on this
 * thread, plus everything that makes pids on other threads look local — routing by pid
 * arithmetic into the ring mesh, the shared name registry, and the bookkeeping of links and
 * monitors whose two ends live on different threads.
 *
 * Each side of a cross-thread relationship keeps its own half, keyed by its local pid:
 * - monitors: the watcher's thread holds `ref → {watcher, target}` (`#mine`); the target's thread
 *   holds `target → (ref → watcher)` (`#watchedBy`). When the target ends, its thread sends a
 *   `down` to the watcher's thread; when a shard is lost, the watcher's thread fires the downs
 *   itself from its half, because the other half died with the shard.
 * - links: each thread holds `local pid → remote pids` (`#links`) and sends `linkExit` when its
 *   local end ends.
 * Control messages between two threads ride the same ring as user messages, so a message sent
 * before an exit signal is delivered before it (per-pair order, as in OTP).
 *
 * Behaviours spawned here are wrapped so that `ctx` routes through this node (a process can send
 * to, link to and monitor pids on any shard), and so that the watchdog can see which handler runs.
 *
 * @example
 * const node = new ShardNode({ runtime, mesh, registry, routes, thread: 0 });
 * node.send(pidOnShard3, new Uint8Array([1])); // an enqueue into the ring to shard 3
 */
import { deserializeError, serializeError } from '../runtime/errors.js';
import { assertPid, isPid, MAX_SHARDS, shardOf } from '../runtime/pid.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Behaviour, ExitReason, MonitorRef, Pid, SpawnOptions, TimerRef } from '../runtime/types.js';
import { checkDelay, checkName, checkReason } from '../runtime/validate.js';
import type { Mesh } from './mesh.js';
import {
  type Control,
  decodeBody,
  encodeControlParts,
  encodeUserParts,
  headPid,
  headTag,
  TAG_BYTES,
  type WireError,
} from './protocol.js';
import { ShardContext } from './shard-context.js';
import type { SharedRegistry } from './shared-registry.js';
import { type WatchMarks, wrapBehaviour } from './wrap.js';

/** The watcher pid that stands for "this node itself" (internal monitors). */
export const NODE_WATCHER = 0;

export interface ShardNodeOptions {
  readonly runtime: Runtime;
  readonly mesh: Mesh;
  readonly registry: SharedRegistry;
  /** Int32 view of the route table: pid slot → thread + 1 (0: no live thread). */
  readonly routes: Int32Array;
  readonly thread: number;
  readonly marks?: WatchMarks;
  /** Live-process counters by thread (for least-loaded placement). */
  readonly loads?: Int32Array;
}

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  thread?: number;
  /** Queries resolve with this when their thread is lost (spawns reject). */
  fallback?: unknown;
};

export class ShardNode {
  readonly rt: Runtime;
  readonly mesh: Mesh;
  readonly registry: SharedRegistry;
  readonly thread: number;
  readonly slot: number;
  readonly #routes: Int32Array;
  readonly #marks: WatchMarks | undefined;
  readonly #loads: Int32Array | undefined;
  /** Watcher side of cross-thread monitors (refs minted here are negative). */
  readonly #mine = new Map<MonitorRef, { watcher: Pid; target: Pid }>();
  readonly #mineByWatcher = new Map<Pid, Set<MonitorRef>>();
  /** Target side: local target → (ref → remote watcher). */
  readonly #watchedBy = new Map<Pid, Map<MonitorRef, Pid>>();
  /** Both sides of cross-thread links: local pid → remote pids. */
  readonly #links = new Map<Pid, Set<Pid>>();
  /** Names held by local pids (released in the shared registry when they end). */
  readonly #names = new Map<Pid, string[]>();
  readonly #pending = new Map<number, Pending>();
  #refSeq = 0;
  #reqSeq = 0;
  /** One-entry cache of {@link #slotOf} (0 is not a pid). */
  #lastPid = 0;
  #lastSlot = -1;
  /** Hooks for control messages this class does not handle itself. */
  onSpawn: ((c: Extract<Control, { t: 'spawn' }>) => void) | undefined;
  onLoad: ((module: string) => void) | undefined;
  /** The main thread's synchronous `isAlive` (answered on the shard's reply cell). */
  onAlive: ((c: Extract<Control, { t: 'alive' }>) => void) | undefined;
  /** A guest's job request (handled on the main thread, which owns the job pool). */
  onJob: ((c: Extract<Control, { t: 'job' }>) => void) | undefined;
  /** Job names guests may start (kept current by `jobNames` control messages). */
  jobNames: ReadonlySet<string> = new Set();
  onClose: (() => void) | undefined;
  /** A `down` for a monitor held by the node itself ({@link NODE_WATCHER}). */
  onNodeDown: ((target: Pid, reason: ExitReason) => void) | undefined;

  constructor(options: ShardNodeOptions) {
    this.rt = options.runtime;
    this.mesh = options.mesh;
    this.registry = options.registry;
    this.thread = options.thread;
    this.slot = options.runtime.shard;
    this.#routes = options.routes;
    this.#marks = options.marks;
    this.#loads = options.loads;
    // Hot path: a Uint8Array for a pid of this thread, straight into the runtime's mailbox.
    this.mesh.onUser = (pid, body) => {
      this.rt.send(pid, body);
    };
    this.rt.on('exit', (pid, reason, error) => {
      this.#publishLoad();
      this.#localExit(pid, reason, error);
    });
  }

  // ---- routing --------------------------------------------------------------------------------

  isLocal(pid: Pid): boolean {
    return shardOf(pid) === this.slot;
  }

  /** The thread hosting `pid`'s shard, or -1 when that shard is gone. */
  threadOf(pid: Pid): number {
    // A non-pid would index the routes table as slot 0 (Atomics coerces NaN and fractions to an
    // index) and reach some live shard; it lives nowhere instead.
    if (!isPid(pid)) return -1;
    return Atomics.load(this.#routes, shardOf(pid)) - 1;
  }

  /** The main thread's index (it owns the job pool), or -1 when unknown. */
  mainThread(): number {
    return Atomics.load(this.#routes, MAX_SHARDS - 1) - 1;
  }

  /** Send a control message to `thread` (handled synchronously when it is this thread). */
  dispatch(thread: number, control: Control): boolean {
    if (thread < 0) return false;
    if (thread === this.thread) {
      this.#control(control);
      return true;
    }
    // Control signals are never refused by backpressure (only user messages are).
    const [head, body] = encodeControlParts(control);
    return this.mesh.sendParts(thread, head, body, true) !== 'refused';
  }

  #toOwner(pid: Pid, control: Control): boolean {
    return this.dispatch(this.threadOf(pid), control);
  }

  /** Feed one ring record, head split off (called by the mesh). */
  readonly handleRecord = (_from: number, body: Uint8Array, head: Uint8Array): void => {
    // The hot path (raw bytes) is decoded inline; the rest through decodeBody.
    if (headTag(head) === TAG_BYTES) this.rt.send(headPid(head), body);
    else {
      const rec = decodeBody(head, body);
      if (rec.kind === 'user') this.rt.send(rec.pid, rec.msg);
      else this.#control(rec.control);
    }
  };

  // ---- processes ------------------------------------------------------------------------------

  /** Spawn a behaviour on this thread, with a routing `ctx` and watchdog marks. */
  spawnLocal(behaviour: Behaviour, options?: SpawnOptions): Pid {
    const pid = this.rt.spawn(wrapBehaviour(behaviour, this, this.#marks), options);
    this.#publishLoad();
    return pid;
  }

  #publishLoad(): void {
    if (this.#loads !== undefined) Atomics.store(this.#loads, this.thread, this.rt.stats().processes);
  }

  /** Wrap `ctx` so its operations route through this node. */
  contextFor(ctx: import('../runtime/types.js').Context): ShardContext {
    return new ShardContext(this, ctx);
  }

  send(pid: Pid, msg: unknown): boolean {
    if (this.isLocal(pid)) return this.rt.send(pid, msg);
    const t = this.threadOf(pid);
    if (t < 0) {
      // As Runtime.send: a non-number is a caller's bug (throws), any other dead pid is false.
      if (typeof pid !== 'number') assertPid(pid, 'send: pid');
      return false;
    }
    if (msg instanceof Uint8Array && msg.constructor === Uint8Array) {
      return this.mesh.sendBytes(t, pid, msg) !== 'refused';
    }
    const [head, body] = encodeUserParts(pid, msg);
    return this.mesh.sendParts(t, head, body) !== 'refused';
  }

  /**
   * `send(pid, src.slice(start, end))` without the intermediate array when `pid` lives on another
   * shard: the bytes go from `src` (a Wasm guest's memory) straight into the ring. On this thread
   * the runtime's mailbox keeps the message, so it gets its own copy.
   */
  sendCopy(pid: Pid, src: Uint8Array, start: number, end: number): boolean {
    const slot = this.#slotOf(pid);
    if (slot === this.slot) return this.rt.send(pid, src.slice(start, end));
    const t = slot < 0 ? -1 : Atomics.load(this.#routes, slot) - 1;
    if (t < 0) {
      if (typeof pid !== 'number') assertPid(pid, 'sendCopy: pid');
      return false;
    }
    return this.mesh.sendCopy(t, pid, src, start, end) !== 'refused';
  }

  /**
   * `shardOf(pid)`, or -1 for a non-pid, remembering the last answer: a Wasm guest's pids are
   * doubles, whose `% 1024` is a call into C, and a guest mostly sends to the same peer. The slot
   * is a pure function of the pid, so the cache can never be stale; whether the slot still has a
   * thread is read from the route table on every send.
   */
  #slotOf(pid: Pid): number {
    if (pid === this.#lastPid) return this.#lastSlot;
    if (!isPid(pid)) return -1;
    this.#lastSlot = shardOf(pid);
    this.#lastPid = pid;
    return this.#lastSlot;
  }

  sendNamed(name: string, msg: unknown): boolean {
    // As Runtime.sendNamed: a non-string is a caller's bug, the empty string merely unbound.
    if (typeof name !== 'string') checkName(name, 'sendNamed: name');
    if (name === '') return false;
    const pid = this.registry.whereis(name);
    return pid === undefined ? false : this.send(pid, msg);
  }

  notify(pid: Pid, msg: unknown): boolean {
    if (this.isLocal(pid)) return this.rt.notify(pid, msg);
    if (typeof pid !== 'number') assertPid(pid, 'notify: pid');
    return this.#toOwner(pid, { t: 'notify', pid, msg });
  }

  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef {
    if (this.isLocal(pid)) return this.rt.sendAfter(pid, ms, msg);
    // Checked now, as Runtime.sendAfter does: from inside the timer a bad pid would throw where no
    // caller can catch it, and a bad ms would fire at once.
    assertPid(pid, 'sendAfter: pid');
    checkDelay(ms, 'sendAfter: ms');
    // Encoded now, for the same reason: a message that cannot cross shards throws at this call,
    // not later inside the timer. (Bytes go as they are, like send's pid-record fast path.)
    const bytes = msg instanceof Uint8Array && msg.constructor === Uint8Array ? msg : undefined;
    const parts = bytes === undefined ? encodeUserParts(pid, msg) : undefined;
    const clock = this.rt.clock;
    let done = false;
    const handle = clock.setTimer(ms, () => {
      done = true;
      const t = this.threadOf(pid);
      if (t < 0) return;
      if (parts !== undefined) this.mesh.sendParts(t, parts[0], parts[1]);
      else this.mesh.sendBytes(t, pid, bytes as Uint8Array);
    });
    return {
      cancel: () => {
        if (done) return false;
        done = true;
        clock.clearTimer(handle);
        return true;
      },
    };
  }

  // ---- names ----------------------------------------------------------------------------------

  register(name: string, pid: Pid): boolean {
    checkName(name, 'register: name'); // first, as Runtime.register does
    assertPid(pid, 'register: pid');
    if (this.isLocal(pid) && !this.rt.isAlive(pid)) return false;
    if (!this.isLocal(pid) && this.threadOf(pid) < 0) return false;
    if (!this.registry.register(name, pid)) return false;
    if (this.isLocal(pid)) this.#own(name, pid);
    else this.#toOwner(pid, { t: 'ownName', name, pid });
    return true;
  }

  unregister(name: string): boolean {
    return this.registry.unregister(name);
  }

  whereis(name: string): Pid | undefined {
    return this.registry.whereis(name);
  }

  #own(name: string, pid: Pid): void {
    if (!this.rt.isAlive(pid)) {
      this.registry.unregister(name, pid);
      return;
    }
    const list = this.#names.get(pid);
    if (list === undefined) this.#names.set(pid, [name]);
    else list.push(name);
  }

  // ---- links ----------------------------------------------------------------------------------

  link(a: Pid, b: Pid): boolean {
    // Checked first: a bad end would otherwise read as a dead shard and kill the other end.
    assertPid(a, 'link: a');
    assertPid(b, 'link: b');
    if (this.isLocal(a) && this.isLocal(b)) return this.rt.link(a, b);
    if (this.threadOf(a) < 0 || this.threadOf(b) < 0) {
      // One end lives on no running shard: the live local end gets a `noproc` exit signal.
      if (this.isLocal(a)) this.#applyLinkExit(a, b, 'noproc', undefined, true);
      else if (this.isLocal(b)) this.#applyLinkExit(b, a, 'noproc', undefined, true);
      return false;
    }
    return this.#toOwner(a, { t: 'link', a, b });
  }

  unlink(a: Pid, b: Pid): boolean {
    assertPid(a, 'unlink: a');
    assertPid(b, 'unlink: b');
    if (this.isLocal(a) && this.isLocal(b)) return this.rt.unlink(a, b);
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
    const info = this.rt.info(to);
    if (info === undefined) return;
    if (info.trapExit) {
      const err = error === undefined ? undefined : deserializeError(error);
      this.rt.notify(
        to,
        err === undefined ? { type: 'exit', from, reason } : { type: 'exit', from, reason, error: err },
      );
    } else if (reason !== 'normal') {
      this.rt.exit(to, reason);
    }
  }

  // ---- monitors -------------------------------------------------------------------------------

  monitor(watcher: Pid, target: Pid): MonitorRef {
    if (watcher !== NODE_WATCHER) assertPid(watcher, 'monitor: watcher');
    assertPid(target, 'monitor: target');
    if (watcher !== NODE_WATCHER && this.isLocal(watcher) && this.isLocal(target)) {
      return this.rt.monitor(watcher, target);
    }
    const ref = -(++this.#refSeq * 1024 + this.slot);
    if (watcher === NODE_WATCHER || this.isLocal(watcher)) this.#watchFrom(ref, watcher, target);
    else this.#toOwner(watcher, { t: 'monitor', ref, watcher, target });
    return ref;
  }

  demonitor(ref: MonitorRef): boolean {
    if (ref > 0) return this.rt.demonitor(ref);
    const m = this.#mine.get(ref);
    if (m === undefined) return false;
    this.#forget(ref, m.watcher);
    this.#toOwner(m.target, { t: 'demonitor', ref, target: m.target });
    return true;
  }

  /** Watcher side: record the monitor here, then ask the target's thread to watch. */
  #watchFrom(ref: MonitorRef, watcher: Pid, target: Pid): void {
    if (watcher !== NODE_WATCHER && !this.rt.isAlive(watcher)) return;
    this.#mine.set(ref, { watcher, target });
    const set = this.#mineByWatcher.get(watcher);
    if (set === undefined) this.#mineByWatcher.set(watcher, new Set([ref]));
    else set.add(ref);
    const t = this.threadOf(target);
    if (t < 0) this.#down(ref, target, 'noproc', undefined);
    else this.dispatch(t, { t: 'monitor', ref, watcher, target });
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
      this.onNodeDown?.(target, reason);
      return;
    }
    const err = error === undefined ? undefined : deserializeError(error);
    this.rt.notify(
      m.watcher,
      err === undefined
        ? { type: 'down', ref, pid: target, reason }
        : { type: 'down', ref, pid: target, reason, error: err },
    );
  }

  // ---- exits ----------------------------------------------------------------------------------

  exit(pid: Pid, reason: ExitReason): boolean {
    if (this.isLocal(pid)) return this.rt.exit(pid, reason);
    // Checked here: on the owning shard a bad value would throw inside its control dispatch.
    assertPid(pid, 'exit: pid');
    checkReason(reason);
    return this.#toOwner(pid, { t: 'exit', pid, reason });
  }

  exitSignal(from: Pid, to: Pid, reason: ExitReason): boolean {
    if (this.isLocal(to)) return this.rt._exitSignalFrom(from, to, reason);
    checkReason(reason);
    return this.#toOwner(to, { t: 'signal', from, to, reason });
  }

  trapExit(pid: Pid, on: boolean): boolean {
    if (this.isLocal(pid)) return this.rt.trapExit(pid, on);
    // Runtime.trapExit's rules, applied here: a bad pid throws at the call, and only `true` turns
    // trapping on (anything else — e.g. a value that cannot even cross shards — turns it off).
    assertPid(pid, 'trapExit: pid');
    return this.#toOwner(pid, { t: 'trap', pid, on: on === true });
  }

  /** A local process ended: release its names and tell remote linked/monitoring processes. */
  #localExit(pid: Pid, reason: ExitReason, error: unknown): void {
    const names = this.#names.get(pid);
    if (names !== undefined) {
      this.#names.delete(pid);
      for (const name of names) this.registry.unregister(name, pid);
    }
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
      watcher === NODE_WATCHER ? Atomics.load(this.#routes, -ref % 1024) - 1 : this.threadOf(watcher);
    this.dispatch(
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

  // ---- queries --------------------------------------------------------------------------------

  /** Ask `thread` a query; resolves with its answer. */
  query(thread: number, q: 'info' | 'list' | 'stats', pid?: Pid): Promise<unknown> {
    const id = ++this.#reqSeq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, thread, fallback: q === 'list' ? [] : undefined });
      const ok = this.dispatch(
        thread,
        pid === undefined
          ? { t: 'query', id, from: this.thread, q }
          : { t: 'query', id, from: this.thread, q, pid },
      );
      if (!ok) {
        this.#pending.delete(id);
        resolve(q === 'list' ? [] : undefined);
      }
    });
  }

  /** Wait for the answer to request `id` sent to `thread` (spawn replies use the same table). */
  expect(id: number, thread: number, pending: Pending): void {
    this.#pending.set(id, { ...pending, thread });
  }

  /** Reject the requests waiting on `thread` (its worker is gone). */
  rejectPendingFor(thread: number, err: unknown): void {
    for (const [id, p] of this.#pending) {
      if (p.thread !== thread) continue;
      this.#pending.delete(id);
      if ('fallback' in p) p.resolve(p.fallback);
      else p.reject(err);
    }
  }

  nextRequestId(): number {
    return ++this.#reqSeq;
  }

  /** Reject every pending request (the node is closing). */
  rejectPending(err: unknown): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #answer(c: Extract<Control, { t: 'query' }>): void {
    let value: unknown;
    if (c.q === 'list') value = this.rt.list();
    else if (c.q === 'stats') value = { ...this.rt.stats(), ...this.mesh.stats() };
    else {
      const info = c.pid === undefined ? undefined : this.rt.info(c.pid);
      value = info === undefined ? null : { ...info, names: this.#names.get(info.pid) ?? [] };
    }
    this.dispatch(c.from, { t: 'answer', id: c.id, value });
  }

  namesOf(pid: Pid): string[] {
    return this.#names.get(pid) ?? [];
  }

  // ---- control dispatch -----------------------------------------------------------------------

  #control(c: Control): void {
    switch (c.t) {
      case 'link': {
        // Arrives at a's thread first, then (swapped) at b's thread.
        if (!this.isLocal(c.a)) return;
        if (!this.rt.isAlive(c.a)) {
          this.#toOwner(c.b, { t: 'linkExit', from: c.a, to: c.b, reason: 'noproc' });
          return;
        }
        if (this.isLocal(c.b)) {
          this.rt.link(c.a, c.b);
          return;
        }
        const known = this.#links.get(c.a)?.has(c.b) ?? false;
        this.#addLink(c.a, c.b);
        if (!known) this.#toOwner(c.b, { t: 'link', a: c.b, b: c.a });
        return;
      }
      case 'unlink':
        if (this.isLocal(c.a)) this.#links.get(c.a)?.delete(c.b);
        return;
      case 'linkExit':
        this.#applyLinkExit(c.to, c.from, c.reason, c.error, c.reason === 'noproc');
        return;
      case 'monitor':
        if (!this.isLocal(c.target)) {
          // Third-party request arriving at the watcher's thread.
          if (this.isLocal(c.watcher)) this.#watchFrom(c.ref, c.watcher, c.target);
          return;
        }
        if (!this.rt.isAlive(c.target)) {
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
      case 'exit':
        if (this.isLocal(c.pid)) this.rt.exit(c.pid, c.reason);
        return;
      case 'signal':
        if (this.isLocal(c.to)) this.rt._exitSignalFrom(c.from, c.to, c.reason);
        return;
      case 'trap':
        if (this.isLocal(c.pid)) this.rt.trapExit(c.pid, c.on);
        return;
      case 'notify':
        if (this.isLocal(c.pid)) this.rt.notify(c.pid, c.msg);
        return;
      case 'ownName':
        if (this.isLocal(c.pid)) this.#own(c.name, c.pid);
        return;
      case 'query':
        this.#answer(c);
        return;
      case 'answer':
      case 'spawned': {
        const p = this.#pending.get(c.id);
        if (p === undefined) return;
        this.#pending.delete(c.id);
        if (c.t === 'answer') p.resolve(c.value);
        else if (c.error !== undefined) p.reject(deserializeError(c.error));
        else p.resolve(c.pid);
        return;
      }
      case 'spawn':
        this.onSpawn?.(c);
        return;
      case 'load':
        this.onLoad?.(c.module);
        return;
      case 'job':
        this.onJob?.(c);
        return;
      case 'alive':
        this.onAlive?.(c);
        return;
      case 'jobNames':
        this.jobNames = new Set(c.names);
        return;
      case 'shardLost':
        this.shardLost(c.slot, c.culprit, c.reason);
        return;
      case 'close':
        this.onClose?.();
        return;
    }
  }
}
