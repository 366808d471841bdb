/**
 * One thread's part of the sharded node: a {@link Runtime} for the processes that live on this
 * thread, plus everything that makes pids on other threads look local — routing by pid
 * arithmetic into the ring mesh, the shared name registry, the halves of links and monitors
 * whose two ends live on different threads ({@link ShardLinks}, shard-links.ts) and the requests
 * waiting for another thread's answer ({@link PendingQueries}, pending-queries.ts).
 *
 * Behaviours spawned here are wrapped so that `ctx` routes through this node (a process can send
 * to, link to and monitor pids on any shard), and so that the watchdog can see which handler runs.
 *
 * @example
 * const node = new ShardNode({ runtime, mesh, registry, routes, thread: 0 });
 * node.send(pidOnShard3, new Uint8Array([1])); // an enqueue into the ring to shard 3
 */
import { InvalidArgumentError } from '../runtime/errors.js';
import { assertPid, isPid, MAX_SHARDS, shardOf } from '../runtime/pid.js';
import type { Proc } from '../runtime/process.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Behaviour, ExitReason, MonitorRef, Pid, SpawnOptions, TimerRef } from '../runtime/types.js';
import { checkDelay, checkName, checkReason } from '../runtime/validate.js';
import { giveBack, LOCAL_MAX, takeLocal } from '../wasm-actors/local-bytes.js';
import type { Mesh } from './mesh.js';
import { type Pending, PendingQueries } from './pending-queries.js';
import {
  type Control,
  decodeBody,
  encodeControlParts,
  encodeUserParts,
  headPid,
  headTag,
  TAG_BYTES,
} from './protocol.js';
import { ShardContext } from './shard-context.js';
import { ShardLinks } from './shard-links.js';
import type { SharedRegistry } from './shared-registry.js';
import { type WatchMarks, wrapBehaviour } from './wrap.js';

export { NODE_WATCHER } from './shard-links.js';

/**
 * Small pid-record bodies are stored in the ring as words assembled little-endian
 * (`RingProducer.trySendPidRange`), so the ring holds them in byte order only on a little-endian
 * host: reading them in place as raw bytes ({@link ShardNode.attachWasmHost}) is done only there;
 * elsewhere every body takes the byte-order-safe copy.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

export class ShardNode {
  readonly rt: Runtime;
  readonly mesh: Mesh;
  readonly registry: SharedRegistry;
  readonly thread: number;
  readonly slot: number;
  readonly #routes: Int32Array;
  readonly #marks: WatchMarks | undefined;
  readonly #loads: Int32Array | undefined;
  /** Names held by local pids (released in the shared registry when they end). */
  readonly #names = new Map<Pid, string[]>();
  readonly #links: ShardLinks;
  readonly #requests: PendingQueries;
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
    this.#links = new ShardLinks(this);
    this.#requests = new PendingQueries(this.thread, (thread, control) => this.dispatch(thread, control));
    // Hot path: a Uint8Array for a pid of this thread, straight into the runtime's mailbox.
    this.mesh.onUser = (pid, body) => {
      this.rt.send(pid, body);
    };
    // Between two Mesh passes every handler has returned: the watchdog mark is cleared here, not
    // after each handler call (wrap.ts).
    const marks = options.marks;
    if (marks !== undefined) {
      this.mesh.onPass = () => marks.leave();
      // Every handler call moves the mark: how a blocking Mesh tells that local work ran.
      this.mesh.progress = () => marks.sequence;
    }
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

  /** The thread hosting pid slot `slot`, or -1 when no running thread has it. */
  threadOfSlot(slot: number): number {
    return Atomics.load(this.#routes, slot) - 1;
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

  /**
   * This shard's Wasm host (created on the first Wasm spawn): from now on a hot-path record for
   * one of its live actors is read from the ring straight into a pooled message
   * (wasm-actors/local-bytes.ts) instead of a fresh `Uint8Array` — the actor copies it into its
   * inbox and returns it to the pool, so the body costs no allocation and no garbage. Records for
   * anything else (JS processes, bodies over the pooled size, bodies wrapping around the ring's
   * end) take the copy as before. Both paths reach the runtime's mailbox in ring order, so order
   * per pair is unchanged. Measured (docs/benchmarks.md, "Session 3b"): CPU per message of the
   * Wasm ping-pong path, both ends, 607 → 432 ns together with the process-record cache below.
   *
   * @example
   * const host = new WasmHost(new ShardHostNode(shardNode));
   * shardNode.attachWasmHost(host); // ring records for host's actors now skip the fresh array
   */
  attachWasmHost(host: { isLocal(pid: Pid): boolean; readonly maxMessageBytes: number }): void {
    if (!LITTLE_ENDIAN) return;
    const max = Math.min(LOCAL_MAX, host.maxMessageBytes);
    const rt = this.rt;
    // The process record of the last pid found to be a Wasm actor of the host, as a context
    // caches its last send target (runtime/process.ts): no pid-table lookups while it lives.
    let last: Proc | undefined;
    this.mesh.takeUser = (pid, ring, start, len) => {
      if (len > max) return false;
      let p = last;
      if (p === undefined || p.self !== pid || !p.alive) {
        p = host.isLocal(pid) ? rt._lookup(pid) : undefined;
        if (p === undefined) return false;
        last = p;
      }
      const m = takeLocal(ring, start, len);
      if (!rt._sendTo(p, m)) giveBack(m);
      return true;
    };
  }

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
    // Out of range, the word copy would read `undefined` as zero bytes: refuse it instead.
    if (!(start >= 0 && end >= start && end <= src.length)) {
      throw new InvalidArgumentError(
        `sendCopy: start and end must satisfy 0 <= start <= end <= src.length (${src.length}), got ${start} and ${end}`,
      );
    }
    const slot = this.#slotOf(pid);
    if (slot === this.slot) return this.rt.send(pid, src.slice(start, end));
    // A plain read of the route, not `Atomics.load`: V8 does not inline `Atomics.load` (it calls
    // a builtin, on every guest send here), and a plain load of an Int32 is the same single
    // instruction on x86. No ordering is needed: the route is one word, changed only when the
    // shard's worker is replaced, and a send that reads the old value is one that raced with the
    // replacement anyway — it lands in a ring whose records for the lost slot are dropped.
    const t = slot < 0 ? -1 : (this.#routes[slot] as number) - 1;
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
    this.#links.localExit(pid, reason, error);
  }

  // ---- links and monitors (shard-links.ts) ------------------------------------------------------

  link(a: Pid, b: Pid): boolean {
    return this.#links.link(a, b);
  }
  unlink(a: Pid, b: Pid): boolean {
    return this.#links.unlink(a, b);
  }
  monitor(watcher: Pid, target: Pid): MonitorRef {
    return this.#links.monitor(watcher, target);
  }
  demonitor(ref: MonitorRef): boolean {
    return this.#links.demonitor(ref);
  }
  /**
   * Shard `slot` is gone (its worker was terminated or died): every process there ended with
   * `killed`, except `culprit`, which ended with `reason` (`timeout`). Fire our halves of links
   * and monitors that pointed there.
   */
  shardLost(slot: number, culprit: Pid, culpritReason: ExitReason): void {
    this.#links.shardLost(slot, culprit, culpritReason);
  }

  // ---- requests to other threads (pending-queries.ts) -------------------------------------------

  /** Ask `thread` a query; resolves with its answer. */
  query(thread: number, q: 'info' | 'list' | 'stats', pid?: Pid): Promise<unknown> {
    return this.#requests.query(thread, q, pid);
  }
  /** Wait for the answer to request `id` sent to `thread` (spawn replies use the same table). */
  expect(id: number, thread: number, pending: Pending): void {
    this.#requests.expect(id, thread, pending);
  }
  /** Reject the requests waiting on `thread` (its worker is gone). */
  rejectPendingFor(thread: number, err: unknown): void {
    this.#requests.rejectFor(thread, err);
  }
  nextRequestId(): number {
    return this.#requests.nextId();
  }
  /** Reject every pending request (the node is closing). */
  rejectPending(err: unknown): void {
    this.#requests.rejectAll(err);
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
      case 'link':
      case 'unlink':
      case 'linkExit':
      case 'monitor':
      case 'demonitor':
      case 'down':
        this.#links.handle(c);
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
      case 'spawned':
        this.#requests.settle(c);
        return;
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
