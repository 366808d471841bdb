import { InvalidArgumentError, ProcessStateError, ReceiveTimeoutError } from './errors.js';
import { describe, formatPid } from './pid.js';
import type { Runtime } from './runtime.js';
import type {
  Behaviour,
  Context,
  ExitReason,
  HandlerBehaviour,
  MessageMatcher,
  MonitorRef,
  Pid,
  ProcessInfo,
  ReceiveOptions,
  SpawnOptions,
  TimerRef,
} from './types.js';

/** A receive-loop process parked in `ctx.receive()`. */
export interface Waiter {
  readonly resolve: (msg: unknown) => void;
  readonly reject: (err: unknown) => void;
  readonly match: MessageMatcher | undefined;
  timer: unknown;
}

/**
 * {@link Proc.limit} of an unbounded mailbox: the largest small integer (2^30 - 1). No mailbox
 * gets there: a JS array holds at most 2^27 elements on 64-bit V8, so growth fails first.
 */
export const UNBOUNDED = 0x3fffffff;

export const HANDLER = 0;
export const RECEIVE_LOOP = 1;

/**
 * One process: its record in the runtime's table and, at the same time, the `Context` its
 * behaviour sees (one object per process keeps a million idle processes small). Fields are
 * owned by the {@link Runtime}; the methods below are the context API, bound to `self`.
 *
 * The mailbox is a field for the oldest message (`first`, filled when the mailbox was empty)
 * and behind it a growable ring buffer allocated on first use (idle processes cost nothing for
 * it); a ring avoids the backing-store churn of `array.length = 0` on the ping-pong hot path.
 */
export class Proc implements Context {
  readonly self: Pid;
  readonly rt: Runtime;
  readonly kind: typeof HANDLER | typeof RECEIVE_LOOP;
  readonly handler: HandlerBehaviour | undefined;
  readonly body: ((ctx: Context) => unknown) | undefined;
  readonly label: string | undefined;
  /** The mailbox bound as given (`Infinity`: unbounded); what `info()` reports. */
  capacity: number;
  /**
   * The bound the send path tests: `capacity`, or {@link UNBOUNDED} for an unbounded (or
   * larger) one. Always a small integer, so V8 keeps the field untagged and `mbSize >= limit`
   * is one integer compare; with `Infinity` in the field it was a heap-number load and a
   * float compare on every send.
   */
  readonly limit: number;

  alive = true;
  /** In the run queue (handlers, or any process whose start is pending). */
  scheduled = false;
  /** `init` / the body has not started yet. */
  startPending = true;
  /** A handler awaiting the promise its last callback returned; it takes no message meanwhile. */
  suspended = false;
  trap = false;
  /** Inside `terminate`: the process may still send although it is no longer alive. */
  terminating = false;

  /** Messages in the mailbox: `first` (when `mbSize > ringSize`), then the ring's. */
  mbSize = 0;
  /**
   * The oldest message, filled only when the mailbox was empty (so it is always the oldest),
   * valid while `mbSize > ringSize`. A mailbox that never holds more than one message (a
   * ping-pong, a request and its reply) never touches the ring: a field is one load from the
   * process record, a ring slot three (the array, its elements, the slot), and those loads sit
   * on every message's critical path.
   */
  first: unknown = undefined;
  /** Mailbox ring behind `first`: power-of-two capacity, `mbHead` its oldest, `ringSize` its count. */
  mb: unknown[] | undefined = undefined;
  mbHead = 0;
  ringSize = 0;
  waiter: Waiter | undefined = undefined;

  links: Set<Pid> | undefined = undefined;
  /** Monitors this process holds: ref → target pid. */
  monitors: Map<MonitorRef, Pid> | undefined = undefined;
  /** Monitors held on this process: ref → watcher pid. */
  monitoredBy: Map<MonitorRef, Pid> | undefined = undefined;
  names: string[] | undefined = undefined;

  handled = 0;
  refused = 0;
  /** The process this one last sent to (see `send`). */
  lastTarget: Proc | undefined = undefined;

  constructor(rt: Runtime, self: Pid, behaviour: Behaviour, capacity: number, label: string | undefined) {
    this.rt = rt;
    this.self = self;
    this.capacity = capacity;
    this.limit = Math.min(capacity, UNBOUNDED);
    this.label = label;
    if (typeof behaviour === 'function') {
      this.kind = RECEIVE_LOOP;
      this.body = behaviour;
      this.handler = undefined;
    } else {
      this.kind = HANDLER;
      this.handler = behaviour;
      this.body = undefined;
    }
  }

  get depth(): number {
    return this.mbSize;
  }

  /** Append a message (into `first` if the mailbox is empty, else the ring). */
  push(msg: unknown): void {
    if (this.mbSize === 0) this.first = msg;
    else this.#pushRing(msg);
    this.mbSize++;
  }

  /** Behind `first` (growing the ring when full, or creating it on first use). */
  #pushRing(msg: unknown): void {
    let mb = this.mb;
    if (mb === undefined || this.ringSize === mb.length) mb = this.#grow();
    mb[(this.mbHead + this.ringSize) & (mb.length - 1)] = msg;
    this.ringSize++;
  }

  /** Out of line so `push` stays small (it is inlined into every send within a bytecode budget). */
  #grow(): unknown[] {
    const mb = this.mb;
    if (mb === undefined) return (this.mb = new Array(4));
    const bigger = new Array(mb.length * 2);
    for (let i = 0; i < this.ringSize; i++) bigger[i] = mb[(this.mbHead + i) & (mb.length - 1)];
    this.mbHead = 0;
    this.mb = bigger;
    return bigger;
  }

  /** Take the oldest message (the caller checked `depth > 0`). */
  take(): unknown {
    this.mbSize--;
    if (this.mbSize >= this.ringSize) {
      // `first` held it (the count without it still covers the ring).
      const msg = this.first;
      this.first = undefined;
      return msg;
    }
    return this.#takeRing();
  }

  #takeRing(): unknown {
    const mb = this.mb!;
    const head = this.mbHead;
    const msg = mb[head];
    mb[head] = undefined;
    this.mbHead = (head + 1) & (mb.length - 1);
    this.ringSize--;
    return msg;
  }

  /** Index (relative to the oldest message) of the first message `match` accepts, or -1. */
  find(match: MessageMatcher): number {
    let at = 0;
    if (this.mbSize > this.ringSize) {
      if (match(this.first)) return 0;
      at = 1;
    }
    const mb = this.mb;
    if (mb === undefined) return -1;
    const mask = mb.length - 1;
    for (let i = 0; i < this.ringSize; i++) {
      if (match(mb[(this.mbHead + i) & mask])) return at + i;
    }
    return -1;
  }

  /** Remove and return the message at `index` (relative to the oldest), keeping the others' order. */
  takeAt(index: number): unknown {
    if (index === 0) return this.take();
    // Not the oldest: it is in the ring, at `index - 1` if `first` holds the oldest.
    const i0 = this.mbSize > this.ringSize ? index - 1 : index;
    const mb = this.mb!;
    const mask = mb.length - 1;
    const msg = mb[(this.mbHead + i0) & mask];
    for (let i = i0; i < this.ringSize - 1; i++) {
      mb[(this.mbHead + i) & mask] = mb[(this.mbHead + i + 1) & mask];
    }
    mb[(this.mbHead + this.ringSize - 1) & mask] = undefined;
    this.ringSize--;
    this.mbSize--;
    return msg;
  }

  /** Drop every queued message (on exit). */
  clear(): void {
    this.lastTarget = undefined;
    this.first = undefined;
    this.mb = undefined;
    this.mbHead = 0;
    this.ringSize = 0;
    this.mbSize = 0;
  }

  // ---- Context API -------------------------------------------------------------------------

  receive<T = unknown>(options?: ReceiveOptions): Promise<T> {
    if (this.kind !== RECEIVE_LOOP) {
      throw new ProcessStateError(
        `receive() is only for receive-loop processes; pid ${this.self} is a handler process (messages arrive in receive(msg, ctx))`,
      );
    }
    return this.#receive(options) as Promise<T>;
  }

  #receive(options: ReceiveOptions | undefined): Promise<unknown> {
    let match: ReceiveOptions['match'];
    let timeout: number | undefined;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        throw new InvalidArgumentError(`receive options must be an object, got ${describe(options)}`);
      }
      match = options.match;
      if (match !== undefined && typeof match !== 'function') {
        throw new InvalidArgumentError(`receive: options.match must be a function, got ${describe(match)}`);
      }
      timeout = options.timeout;
      if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
        throw new InvalidArgumentError(
          `receive: options.timeout must be a number >= 0, got ${describe(timeout)}`,
        );
      }
    }
    // A dead process never receives again: its body stays suspended and is garbage-collected.
    if (!this.alive) return new Promise(() => {});
    if (this.waiter !== undefined) {
      throw new ProcessStateError(`receive: process ${formatPid(this.self)} already has a receive pending`);
    }
    if (this.mbSize > 0) {
      const index = match === undefined ? 0 : this.find(match);
      if (index >= 0) {
        this.handled++;
        return Promise.resolve(this.takeAt(index));
      }
    }
    // Parked: the runtime's delivery hands the next matching message over (Runtime#handOver).
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, match, timer: undefined };
      if (timeout !== undefined && timeout !== Infinity) {
        waiter.timer = this.rt.clock.setTimer(timeout, () => {
          if (this.waiter !== waiter) return;
          this.waiter = undefined;
          reject(new ReceiveTimeoutError(timeout));
        });
      }
      this.waiter = waiter;
    });
  }

  send(pid: Pid, msg: unknown): boolean {
    // `=== false/true`: one compare instead of V8's generic truthiness test (see Runtime#deliver).
    if (this.alive === false && this.terminating === false) return false;
    // Most processes talk to the same peer over and over; caching the last target's record skips
    // the pid → process map lookup (pids are never reused, so a live record with the pid is it).
    const last = this.lastTarget;
    if (last !== undefined && last.self === pid && last.alive === true) return this.rt._sendTo(last, msg);
    const target = this.rt._lookup(pid);
    if (target === undefined) return this.rt.send(pid, msg); // validates pid; false for a dead one
    this.lastTarget = target;
    return this.rt._sendTo(target, msg);
  }

  sendNamed(name: string, msg: unknown): boolean {
    return (this.alive || this.terminating) && this.rt.sendNamed(name, msg);
  }

  spawn<B extends Behaviour>(behaviour: B, options?: SpawnOptions): Pid {
    return this.rt.spawn(behaviour, options);
  }

  spawnLink<B extends Behaviour>(behaviour: B, options?: SpawnOptions): Pid {
    return this.rt.spawn(behaviour, { ...options, linkTo: this.self });
  }

  link(pid: Pid): boolean {
    return this.rt.link(this.self, pid);
  }

  unlink(pid: Pid): boolean {
    return this.rt.unlink(this.self, pid);
  }

  monitor(pid: Pid): MonitorRef {
    return this.rt.monitor(this.self, pid);
  }

  demonitor(ref: MonitorRef): boolean {
    return this.rt.demonitor(ref);
  }

  trapExit(on: boolean): void {
    this.rt.trapExit(this.self, on);
  }

  exit(reason: ExitReason = 'normal'): void {
    this.rt._exitSelf(this, reason);
  }

  exitSignal(pid: Pid, reason: ExitReason): boolean {
    return this.rt._exitSignalFrom(this.self, pid, reason);
  }

  register(name: string): boolean {
    return this.rt.register(name, this.self);
  }

  unregister(name: string): boolean {
    return this.rt.unregister(name);
  }

  whereis(name: string): Pid | undefined {
    return this.rt.whereis(name);
  }

  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef {
    return this.rt.sendAfter(pid, ms, msg);
  }
}

/**
 * A snapshot of a live process for `info()` (what `wactor attach` and `/processes` show). Lists
 * are copies, so the caller may keep or change them.
 *
 * @example
 * const p = this.#procs.get(pid); // in Runtime.info
 * return p === undefined ? undefined : processInfo(p); // { pid, status: 'waiting', mailboxDepth: 0, … }
 */
export function processInfo(p: Proc): ProcessInfo {
  const status = p.suspended
    ? 'running'
    : p.scheduled
      ? 'runnable'
      : p.kind === RECEIVE_LOOP && p.waiter === undefined
        ? 'running'
        : 'waiting';
  return {
    pid: p.self,
    label: p.label,
    kind: p.kind === HANDLER ? 'handler' : 'receive-loop',
    status,
    names: p.names === undefined ? [] : [...p.names],
    links: p.links === undefined ? [] : [...p.links],
    monitors: p.monitors === undefined ? [] : [...p.monitors].map(([ref, target]) => ({ ref, pid: target })),
    monitoredBy:
      p.monitoredBy === undefined ? [] : [...p.monitoredBy].map(([ref, watcher]) => ({ ref, pid: watcher })),
    mailboxDepth: p.depth,
    mailboxCapacity: p.capacity,
    messagesHandled: p.handled,
    messagesRefused: p.refused,
    trapExit: p.trap,
  };
}
