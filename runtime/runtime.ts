import { type Clock, SystemClock } from './clock.js';
import { ClosedError, InvalidArgumentError, ReceiveTimeoutError } from './errors.js';
import { type ExitListener, ExitListeners, type KillListener } from './exit-listeners.js';
import { consoleLogger, type Logger } from './logger.js';
import { NameTable } from './name-table.js';
import { assertPid, describe, formatPid, MAX_SERIAL, MAX_SHARDS, makePid } from './pid.js';
import { PidTable } from './pid-table.js';
import { HANDLER, Proc, processInfo, RECEIVE_LOOP, type Waiter } from './process.js';
import { startSupervisor } from './supervisor.js';
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
} from './types.js';
import {
  checkBehaviour,
  checkCapacity,
  checkDelay,
  checkName,
  checkPositiveInt,
  checkReason,
  isThenable,
} from './validate.js';

export interface RuntimeOptions {
  /** Time source for timers and receive timeouts. Default: the system clock. */
  readonly clock?: Clock;
  /** Default bound on each process's queued user messages. Default: unbounded. */
  readonly mailboxCapacity?: number;
  /** The shard index packed into every pid this runtime allocates (0..1023). Default 0. */
  readonly shard?: number;
  /** Where crash reports and errors from `terminate` go. Default: stderr. */
  readonly logger?: Logger;
  /** Messages a handler process may take in one turn before others get to run. Default 64. */
  readonly reductions?: number;
  /** Process turns per drain before yielding to the event loop (I/O, timers). Default 20000. */
  readonly turnsPerTick?: number;
  /**
   * Milliseconds of wall time a drain may take before yielding to the event loop, whatever the
   * turn count: with slow handlers a count alone could hold I/O (and a shard's rings) off for a
   * long time. The clock is read at an adaptive interval of process turns. Default 5.
   */
  readonly tickBudgetMs?: number;
}

export type { ExitListener, KillListener } from './exit-listeners.js';

/** `RuntimeOptions.tickBudgetMs` when not given: the time a drain runs before it yields. */
export const DEFAULT_TICK_BUDGET_MS = 5;

const DOWN = 'down';
const EXIT = 'exit';

/**
 * The single-threaded actor runtime: processes, mailboxes, a run queue, names, links, monitors,
 * exit signals, timers and supervisors, with Erlang/OTP semantics.
 *
 * Handler processes are driven by a run queue drained in a microtask and then in `setImmediate`
 * turns, so a busy runtime still lets I/O in. Receive-loop processes are async bodies resumed by
 * resolving the promise they wait on.
 *
 * @example
 * import { Runtime } from 'wactor';
 * const rt = new Runtime();
 * const echo = rt.spawn({ receive(msg: { from: number; text: string }, ctx) { ctx.send(msg.from, msg.text); } });
 * const client = rt.spawn(async (ctx) => {
 *   ctx.send(echo, { from: ctx.self, text: 'hello' });
 *   console.log(await ctx.receive()); // 'hello'
 * });
 * rt.monitor(client, echo);
 * await rt.shutdown();
 */
export class Runtime implements LocalNode {
  readonly clock: Clock;
  readonly shard: number;
  readonly #logger: Logger;
  readonly #defaultCapacity: number;
  readonly #reductions: number;
  readonly #turnsPerTick: number;
  readonly #tickBudgetMs: number;
  /** Process turns between two clock reads in a drain (adapts; see #runTurns). */
  #checkEvery = 16;

  /** Live processes by pid (open addressing: cheaper than a Map under spawn/exit churn). */
  readonly #procs = new PidTable<Proc>();
  readonly #names = new NameTable();
  /** Every live monitor: ref → [watcher, target]. */
  readonly #monitors = new Map<MonitorRef, [Pid, Pid]>();
  readonly #timers = new Set<unknown>();
  #serial = 0;
  #nextRef = 1;
  #closed = false;

  // Run queue: `#next`, then a growable ring of processes with work (power-of-two capacity).
  // `#next` is filled only when the whole queue is empty, so it is always the oldest entry (FIFO
  // holds). A queue that never holds more than one process (a ping-pong, a request and its
  // reply) then never touches the ring: a field of this object is one load away, a ring slot
  // three (the array, its elements, the slot), and those loads sit on every turn's critical path.
  #next: Proc | undefined = undefined;
  #runq: (Proc | undefined)[] = new Array(1024);
  #runqHead = 0;
  /** Processes in the ring (not counting `#next`). */
  #runqSize = 0;
  #draining = false;
  #drainScheduled = false;

  // Exits are processed from a queue so link cascades never recurse (a chain of 100k linked
  // processes must not overflow the stack) and happen in a deterministic breadth-first order.
  // Three parallel arrays with a head and a length, reused without shrinking: an exit allocates
  // nothing (tuple-per-exit and `length = 0` churn showed up in the spawn-churn profile).
  readonly #xProcs: (Proc | undefined)[] = [];
  readonly #xReasons: ExitReason[] = [];
  readonly #xErrors: unknown[] = [];
  #xHead = 0;
  #xLen = 0;
  #exiting = false;

  readonly #listeners: ExitListeners;

  #spawned = 0;
  #exited = 0;
  #crashed = 0;
  #sent = 0;
  #refused = 0;

  constructor(options: RuntimeOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`options must be an object, got ${describe(options)}`);
    }
    this.clock = options.clock ?? new SystemClock();
    this.#logger = options.logger ?? consoleLogger;
    this.#listeners = new ExitListeners(this.#logger);
    this.#defaultCapacity = checkCapacity(options.mailboxCapacity ?? Infinity, 'options.mailboxCapacity');
    const shard = options.shard ?? 0;
    if (!Number.isInteger(shard) || shard < 0 || shard >= MAX_SHARDS) {
      throw new InvalidArgumentError(
        `options.shard must be an integer in 0..${MAX_SHARDS - 1}, got ${describe(shard)}`,
      );
    }
    this.shard = shard;
    this.#reductions = checkPositiveInt(options.reductions ?? 64, 'options.reductions');
    this.#turnsPerTick = checkPositiveInt(options.turnsPerTick ?? 20_000, 'options.turnsPerTick');
    const budget = options.tickBudgetMs ?? DEFAULT_TICK_BUDGET_MS;
    if (typeof budget !== 'number' || !(budget > 0)) {
      throw new InvalidArgumentError(`options.tickBudgetMs must be a number > 0, got ${describe(budget)}`);
    }
    this.#tickBudgetMs = budget;
  }

  // ---- spawning -----------------------------------------------------------------------------

  /**
   * Start a process. A function is a receive-loop body; an object with `receive` is a handler.
   * The process first runs asynchronously (after the caller's synchronous code), so a monitor or
   * link set up right after `spawn` sees even an immediate crash.
   *
   * @example
   * const counter = rt.spawn({ init() { this.n = 0; }, receive(_msg) { this.n++; }, n: 0 });
   */
  spawn<B extends Behaviour>(behaviour: B, options?: SpawnOptions): Pid {
    if (this.#closed) throw new ClosedError('spawn: the runtime has been shut down');
    checkBehaviour(behaviour);
    let capacity = this.#defaultCapacity;
    let label: string | undefined;
    let linkTo: Pid | undefined;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        throw new InvalidArgumentError(`spawn options must be an object, got ${describe(options)}`);
      }
      if (options.mailboxCapacity !== undefined) {
        capacity = checkCapacity(options.mailboxCapacity, 'options.mailboxCapacity');
      }
      if (options.label !== undefined) {
        if (typeof options.label !== 'string') {
          throw new InvalidArgumentError(`options.label must be a string, got ${describe(options.label)}`);
        }
        label = options.label;
      }
      if (options.linkTo !== undefined) {
        assertPid(options.linkTo, 'options.linkTo');
        linkTo = options.linkTo;
      }
    }
    if (this.#serial >= MAX_SERIAL) throw new ClosedError('spawn: this shard has exhausted its pid space');
    const pid = makePid(this.shard, ++this.#serial);
    const p = new Proc(this, pid, behaviour, capacity, label);
    if (options?.trapExit === true) p.trap = true;
    this.#procs.set(pid, p);
    this.#spawned++;
    if (linkTo !== undefined) this.link(linkTo, pid);
    // A handler without init has nothing to do until its first message schedules it; not queueing
    // it keeps spawn cheap and a process killed before it ever ran out of the run queue.
    if (p.kind === HANDLER && p.handler!.init === undefined) p.startPending = false;
    else this.#enqueue(p);
    return pid;
  }

  /**
   * Start a supervisor (a process that traps exits) that starts `spec.children` in order before
   * this call returns, restarts them per `spec.strategy`, and gives up — stopping its children in
   * reverse order and exiting `shutdown` — after more than `maxRestarts` restarts within `withinMs`.
   *
   * @example
   * const sup = rt.supervise({ strategy: 'one_for_one', maxRestarts: 3, withinMs: 5000,
   *   children: [{ id: 'worker', start: (rt) => rt.spawn(workerBehaviour) }] });
   */
  supervise(spec: SupervisorSpec<Runtime>): Pid {
    if (this.#closed) throw new ClosedError('supervise: the runtime has been shut down');
    return startSupervisor(this, spec);
  }

  // ---- messaging ----------------------------------------------------------------------------

  /**
   * Deliver `msg` to `pid`'s mailbox. Returns false if the pid is dead or its bounded mailbox is
   * full (the refusal is counted). Order is FIFO per sender/receiver pair.
   */
  send(pid: Pid, msg: unknown): boolean {
    const p = this.#procs.get(pid);
    if (p === undefined) {
      if (typeof pid !== 'number') assertPid(pid, 'send: pid');
      return false;
    }
    return this._sendTo(p, msg);
  }

  /** The live process record for `pid` (used by a context to cache its last send target). */
  _lookup(pid: Pid): Proc | undefined {
    return this.#procs.get(pid);
  }

  /**
   * @internal The behaviour a live process was spawned with (a handler object or a receive-loop
   * body), or undefined: how a layer that spawns its own behaviours (the Wasm host) tells its
   * processes from others' without a pid table of its own.
   */
  _behaviourOf(pid: Pid): Behaviour | undefined {
    const p = this.#procs.get(pid);
    return p === undefined ? undefined : (p.handler ?? p.body);
  }

  /** `send` once the target record is known and alive. */
  _sendTo(p: Proc, msg: unknown): boolean {
    if (p.mbSize >= p.limit) {
      p.refused++;
      this.#refused++;
      return false;
    }
    this.#deliver(p, msg);
    return true;
  }

  /** Send to the process registered under `name`; false if no such name (or the send is refused). */
  sendNamed(name: string, msg: unknown): boolean {
    const p = this.#names.get(name);
    if (p === undefined) {
      if (typeof name !== 'string') checkName(name, 'sendNamed: name');
      return false;
    }
    return this._sendTo(p, msg);
  }

  /** Deliver a system notice that bypasses the mailbox bound (see {@link LocalNode.notify}). */
  notify(pid: Pid, msg: unknown): boolean {
    const p = this.#procs.get(pid);
    if (p === undefined) return false;
    this.#deliver(p, msg);
    return true;
  }

  /**
   * Send `msg` to `pid` after `ms` milliseconds on this runtime's clock.
   *
   * @example
   * const t = rt.sendAfter(pid, 1000, 'tick'); t.cancel(); // true: it had not fired
   */
  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef {
    assertPid(pid, 'sendAfter: pid');
    checkDelay(ms, 'sendAfter: ms');
    let done = false;
    const handle = this.clock.setTimer(ms, () => {
      done = true;
      this.#timers.delete(handle);
      this.send(pid, msg);
    });
    this.#timers.add(handle);
    return {
      cancel: () => {
        if (done) return false;
        done = true;
        this.#timers.delete(handle);
        this.clock.clearTimer(handle);
        return true;
      },
    };
  }

  #deliver(p: Proc, msg: unknown): void {
    this.#sent++;
    // The common case, kept small so it inlines into every send: no parked receive to hand over to.
    // Flags are compared with `=== true/false` on the hot paths: V8 does not track that a field
    // holds only booleans, so a bare `if (p.flag)` compiles to the generic truthiness test (map
    // load, undetectable bit, number/bigint checks); `===` is one compare (~+6% ping-pong).
    if (p.waiter !== undefined && this.#handOver(p, p.waiter, msg)) return;
    p.push(msg);
    if (p.kind === HANDLER && p.scheduled === false && p.suspended === false) this.#enqueue(p);
  }

  /**
   * A parked receive-loop process: nothing queued matched its selector (or it would not be
   * parked), so handing a matching message over directly keeps mailbox order intact. True if it
   * was handed over (or the selector threw and the process is crashing); false to queue it.
   */
  #handOver(p: Proc, w: Waiter, msg: unknown): boolean {
    if (w.match !== undefined) {
      let accepted: boolean;
      try {
        accepted = w.match(msg);
      } catch (err) {
        this.#queueExit(p, 'crashed', err);
        return true;
      }
      if (!accepted) return false;
    }
    p.waiter = undefined;
    if (w.timer !== undefined) this.clock.clearTimer(w.timer);
    p.handled++;
    w.resolve(msg);
    return true;
  }

  // ---- the run queue ------------------------------------------------------------------------

  #enqueue(p: Proc): void {
    p.scheduled = true;
    if (this.#next === undefined && this.#runqSize === 0) this.#next = p;
    else this.#enqueueRing(p);
    if (this.#draining === false && this.#drainScheduled === false) this.#scheduleDrain();
  }

  /** Behind `#next`: its own method so {@link #enqueue}, inlined into every send, stays small. */
  #enqueueRing(p: Proc): void {
    if (this.#runqSize === this.#runq.length) this.#growRunq();
    const q = this.#runq;
    q[(this.#runqHead + this.#runqSize) & (q.length - 1)] = p;
    this.#runqSize++;
  }

  /**
   * Drain in a microtask. Out of line: {@link #enqueue} is inlined into every send (a Wasm
   * guest's send import included) within V8's inlining budget, so it is kept small.
   */
  #scheduleDrain(): void {
    this.#drainScheduled = true;
    queueMicrotask(this.#drain);
  }

  /** Double the run queue ring (out of line: {@link #enqueue} is on every message's path). */
  #growRunq(): void {
    const q = this.#runq;
    const bigger: (Proc | undefined)[] = new Array(q.length * 2);
    for (let i = 0; i < this.#runqSize; i++) bigger[i] = q[(this.#runqHead + i) & (q.length - 1)];
    this.#runqHead = 0;
    this.#runq = bigger;
  }

  readonly #drain = (): void => {
    this.#drainScheduled = false;
    if (this.#draining) return;
    this.#draining = true;
    try {
      this.#runTurns(this.#turnsPerTick);
    } finally {
      this.#draining = false;
    }
    // Out of turns with work left: yield to the event loop so I/O and timers run, then go on.
    if ((this.#next !== undefined || this.#runqSize > 0) && !this.#drainScheduled) {
      this.#drainScheduled = true;
      setImmediate(this.#drain);
    }
  };

  /**
   * The hot loop, in a method of its own: when V8 optimized the long-running loop inside `#drain`
   * by on-stack replacement, the cold code after it (the `finally` store) deoptimized it again
   * and again ("insufficient type feedback"), costing ~30% of ping-pong in half of the runs.
   */
  #runTurns(turns: number): void {
    // The clock is read every `#checkEvery` process turns, and that interval adapts: it doubles
    // (up to 4096) while turns are cheap and halves (down to 1) when an interval took longer than
    // a fifth of the budget, so fast handlers pay next to nothing and slow ones cannot hold the
    // thread much past the budget. Real time, not the runtime's clock: this is about sharing the
    // thread, not about timers.
    let last = performance.now();
    const deadline = last + this.#tickBudgetMs;
    let untilCheck = this.#checkEvery;
    for (;;) {
      let p = this.#next;
      if (p !== undefined) this.#next = undefined;
      else if (this.#runqSize > 0) p = this.#takeRing();
      else return;
      p.scheduled = false;
      if (p.alive === true) this.#run(p);
      if (--turns === 0) return;
      if (--untilCheck === 0) {
        const now = performance.now();
        if (now - last > this.#tickBudgetMs / 5) this.#checkEvery = Math.max(1, this.#checkEvery >> 1);
        else if (this.#checkEvery < 4096) this.#checkEvery <<= 1;
        if (now > deadline) return;
        last = now;
        untilCheck = this.#checkEvery;
      }
    }
  }

  /** The oldest process in the ring (the caller checked it is not empty). */
  #takeRing(): Proc {
    // Re-read the ring each time: running a process may grow (replace) it.
    const q = this.#runq;
    const p = q[this.#runqHead]!;
    q[this.#runqHead] = undefined;
    this.#runqHead = (this.#runqHead + 1) & (q.length - 1);
    this.#runqSize--;
    return p;
  }

  /** Give one process a turn. */
  #run(p: Proc): void {
    // The first turn's work is out of line, to leave V8's cumulative inlining budget (~920
    // bytes of bytecode for #runTurns and all it inlines) to the message path: the handler's
    // `receive` and what it inlines.
    if (p.startPending === true && this.#start(p) === false) return;
    const handler = p.handler!;
    let budget = this.#reductions;
    // The mailbox test first: after its last message a turn ends on one load (most turns take one).
    while (p.mbSize > 0 && p.alive === true && p.suspended === false) {
      const msg = p.take();
      p.handled++;
      let result: unknown;
      try {
        result = handler.receive(msg, p);
      } catch (err) {
        this.#queueExit(p, 'crashed', err);
        return;
      }
      if (result !== undefined && isThenable(result)) {
        this.#suspend(p, result);
        return;
      }
      if (--budget === 0) break;
    }
    if (p.mbSize > 0 && p.alive === true && p.suspended === false && p.scheduled === false) this.#enqueue(p);
  }

  /** A process's first turn: start its body, or run its `init`. False if the turn ends here. */
  #start(p: Proc): boolean {
    p.startPending = false;
    if (p.kind === RECEIVE_LOOP) {
      this.#startBody(p);
      return false;
    }
    const init = p.handler!.init;
    if (init === undefined) return true;
    let result: unknown;
    try {
      result = init.call(p.handler, p);
    } catch (err) {
      this.#queueExit(p, 'crashed', err);
      return false;
    }
    if (isThenable(result)) {
      this.#suspend(p, result);
      return false;
    }
    return p.alive === true;
  }

  /** A handler returned a promise: it takes no message until the promise settles. */
  #suspend(p: Proc, promise: PromiseLike<unknown>): void {
    p.suspended = true;
    promise.then(
      () => {
        p.suspended = false;
        if (p.alive && !p.scheduled && p.depth > 0) this.#enqueue(p);
      },
      (err: unknown) => {
        p.suspended = false;
        this.#queueExit(p, 'crashed', err);
      },
    );
  }

  #startBody(p: Proc): void {
    let result: unknown;
    try {
      result = p.body!(p);
    } catch (err) {
      this.#queueExit(p, 'crashed', err);
      return;
    }
    Promise.resolve(result).then(
      () => this.#queueExit(p, 'normal', undefined),
      (err: unknown) => this.#queueExit(p, err instanceof ReceiveTimeoutError ? 'timeout' : 'crashed', err),
    );
  }

  // ---- names --------------------------------------------------------------------------------

  /**
   * Register `name` for `pid`. False if the name is taken or the pid is dead. A pid may hold
   * several names; all are released when it exits.
   */
  register(name: string, pid: Pid): boolean {
    checkName(name, 'register: name');
    assertPid(pid, 'register: pid');
    const p = this.#procs.get(pid);
    return p !== undefined && this.#names.add(name, p);
  }

  unregister(name: string): boolean {
    checkName(name, 'unregister: name');
    return this.#names.delete(name);
  }

  whereis(name: string): Pid | undefined {
    checkName(name, 'whereis: name');
    return this.#names.get(name)?.self;
  }

  registered(): string[] {
    return this.#names.names();
  }

  // ---- links, monitors, exits ---------------------------------------------------------------

  /**
   * Link two processes: when one ends abnormally the other ends with the same reason, unless it
   * traps exits (then it receives an {@link ExitMessage}). `a` is the linking side, as in
   * Erlang's `link/1` called by `a`: if `b` is dead, `a` gets a `noproc` exit signal; if `a` itself
   * is dead nothing happens. Both cases return false.
   */
  link(a: Pid, b: Pid): boolean {
    assertPid(a, 'link: a');
    assertPid(b, 'link: b');
    const pa = this.#procs.get(a);
    const pb = this.#procs.get(b);
    if (pa !== undefined && pb !== undefined) {
      if (a === b) return true;
      (pa.links ??= new Set()).add(b);
      (pb.links ??= new Set()).add(a);
      return true;
    }
    if (pa !== undefined) {
      this.#signal(pa, b, 'noproc', undefined);
      this.#runExits();
    }
    return false;
  }

  unlink(a: Pid, b: Pid): boolean {
    assertPid(a, 'unlink: a');
    assertPid(b, 'unlink: b');
    const da = this.#procs.get(a)?.links?.delete(b) ?? false;
    const db = this.#procs.get(b)?.links?.delete(a) ?? false;
    return da || db;
  }

  trapExit(pid: Pid, on: boolean): boolean {
    assertPid(pid, 'trapExit: pid');
    const p = this.#procs.get(pid);
    if (p === undefined) return false;
    p.trap = on === true;
    return true;
  }

  /**
   * `watcher` receives a {@link DownMessage} when `target` ends; at once with `noproc` if it is
   * already dead.
   */
  monitor(watcher: Pid, target: Pid): MonitorRef {
    assertPid(watcher, 'monitor: watcher');
    assertPid(target, 'monitor: target');
    const ref = this.#nextRef++;
    const w = this.#procs.get(watcher);
    if (w === undefined) return ref;
    const t = this.#procs.get(target);
    if (t === undefined) {
      this.#deliver(w, { type: DOWN, ref, pid: target, reason: 'noproc' });
      return ref;
    }
    (w.monitors ??= new Map()).set(ref, target);
    (t.monitoredBy ??= new Map()).set(ref, watcher);
    this.#monitors.set(ref, [watcher, target]);
    return ref;
  }

  demonitor(ref: MonitorRef): boolean {
    const m = this.#monitors.get(ref);
    if (m === undefined) return false;
    this.#monitors.delete(ref);
    this.#procs.get(m[0])?.monitors?.delete(ref);
    this.#procs.get(m[1])?.monitoredBy?.delete(ref);
    return true;
  }

  /**
   * End `pid` with `reason`; the runtime is the authority, so trapping exits does not stop it.
   * `kill` is a {@link kill} (reason `killed`, `terminate` does not run), as Erlang's
   * `exit(Pid, kill)`.
   */
  exit(pid: Pid, reason: ExitReason): boolean {
    assertPid(pid, 'exit: pid');
    checkReason(reason);
    const p = this.#procs.get(pid);
    if (p === undefined) return false;
    this.#queueExit(p, reason === 'kill' ? 'killed' : reason, undefined);
    return true;
  }

  /**
   * @internal `ctx.exit(reason)`: {@link exit} for a process that has its record at hand, so
   * without the pid check and table lookup (every spawn churn actor ends here). A process that
   * already ended (`terminate` calling `ctx.exit`) is left alone, as `exit` leaves an unknown pid.
   */
  _exitSelf(p: Proc, reason: ExitReason): void {
    checkReason(reason);
    if (p.alive === true) this.#queueExit(p, reason === 'kill' ? 'killed' : reason, undefined);
  }

  /** End `pid` with `killed`, unconditionally; `terminate` does not run. */
  kill(pid: Pid): boolean {
    return this.exit(pid, 'killed');
  }

  /** `ctx.exitSignal(pid, reason)`: an OTP exit signal from `from` (see {@link Context.exitSignal}). */
  _exitSignalFrom(from: Pid, pid: Pid, reason: ExitReason): boolean {
    assertPid(pid, 'exitSignal: pid');
    checkReason(reason);
    const p = this.#procs.get(pid);
    if (p === undefined) return false;
    if (reason === 'kill') this.#queueExit(p, 'killed', undefined);
    else if (pid === from && reason === 'normal') this.#queueExit(p, 'normal', undefined);
    else {
      this.#signal(p, from, reason, undefined);
      this.#runExits();
    }
    return true;
  }

  /** An exit signal from `from` reaching `p` (over a link or from exitSignal). */
  #signal(p: Proc, from: Pid, reason: ExitReason, error: unknown): void {
    if (p.trap) {
      this.#deliver(
        p,
        error === undefined ? { type: EXIT, from, reason } : { type: EXIT, from, reason, error },
      );
    } else if (reason !== 'normal') {
      this.#pushExit(p, reason, error);
    }
  }

  #pushExit(p: Proc, reason: ExitReason, error: unknown): void {
    const i = this.#xLen++;
    this.#xProcs[i] = p;
    this.#xReasons[i] = reason;
    this.#xErrors[i] = error;
  }

  #queueExit(p: Proc, reason: ExitReason, error: unknown): void {
    this.#pushExit(p, reason, error);
    this.#runExits();
  }

  #runExits(): void {
    if (this.#exiting) return;
    this.#exiting = true;
    try {
      // #finish may queue more exits (link cascades, terminate callbacks): the loop re-reads the
      // length. The head advances before each call so an unexpected throw never re-runs an entry.
      while (this.#xHead < this.#xLen) {
        const i = this.#xHead++;
        const p = this.#xProcs[i]!;
        const error = this.#xErrors[i];
        this.#xProcs[i] = undefined;
        this.#xErrors[i] = undefined;
        this.#finish(p, this.#xReasons[i]!, error);
      }
      this.#xHead = 0;
      this.#xLen = 0;
    } finally {
      this.#exiting = false;
    }
  }

  /** Tear one process down and tell everyone who asked. Runs only from {@link #runExits}. */
  #finish(p: Proc, reason: ExitReason, error: unknown): void {
    if (!p.alive) return;
    p.alive = false;
    const pid = p.self;
    this.#procs.delete(pid);
    this.#exited++;
    const w = p.waiter;
    if (w !== undefined) {
      p.waiter = undefined;
      if (w.timer !== undefined) this.clock.clearTimer(w.timer);
    }
    if (p.kind === HANDLER && reason !== 'killed' && p.handler!.terminate !== undefined) {
      // `terminating` lets terminate() still send (a goodbye, a release) although the process is
      // already out of the table and will receive nothing more.
      p.terminating = true;
      try {
        p.handler!.terminate(reason, p);
      } catch (err) {
        this.#logger.error(`terminate of process ${formatPid(pid)} threw`, { pid, error: err });
      }
      p.terminating = false;
    }
    p.clear();
    this.#names.releaseAll(p);
    if (p.monitors !== undefined) {
      for (const [ref, target] of p.monitors) {
        this.#monitors.delete(ref);
        this.#procs.get(target)?.monitoredBy?.delete(ref);
      }
      p.monitors = undefined;
    }
    const hasError = error !== undefined;
    if (p.monitoredBy !== undefined) {
      for (const [ref, watcherPid] of p.monitoredBy) {
        this.#monitors.delete(ref);
        const watcher = this.#procs.get(watcherPid);
        if (watcher === undefined) continue;
        watcher.monitors?.delete(ref);
        this.#deliver(
          watcher,
          hasError ? { type: DOWN, ref, pid, reason, error } : { type: DOWN, ref, pid, reason },
        );
      }
      p.monitoredBy = undefined;
    }
    if (p.links !== undefined) {
      for (const other of p.links) {
        const o = this.#procs.get(other);
        if (o === undefined) continue;
        o.links?.delete(pid);
        this.#signal(o, pid, reason, error);
      }
      p.links = undefined;
    }
    if (reason === 'crashed') {
      this.#crashed++;
      const crash = this.#listeners.crash;
      if (crash.length > 0) this.#listeners.notify(crash, pid, reason, error);
      else
        this.#logger.error(`process ${formatPid(pid)}${p.label ? ` (${p.label})` : ''} crashed`, {
          pid,
          error,
        });
    }
    if (reason === 'killed') {
      const kill = this.#listeners.kill;
      if (kill.length > 0) this.#listeners.notify(kill, pid, reason, error, p.handler ?? p.body);
    }
    const exit = this.#listeners.exit;
    if (exit.length > 0) this.#listeners.notify(exit, pid, reason, error);
  }

  // ---- inspection ---------------------------------------------------------------------------

  isAlive(pid: Pid): boolean {
    return this.#procs.has(pid);
  }

  /** Live pids, oldest first. */
  list(): Pid[] {
    return this.#procs.pids();
  }

  /** A snapshot of a live process, or undefined if `pid` is not alive. */
  info(pid: Pid): ProcessInfo | undefined {
    assertPid(pid, 'info: pid');
    const p = this.#procs.get(pid);
    if (p === undefined) return undefined;
    return processInfo(p);
  }

  stats(): NodeStats {
    return {
      processes: this.#procs.size,
      spawned: this.#spawned,
      exited: this.#exited,
      crashed: this.#crashed,
      messagesSent: this.#sent,
      messagesRefused: this.#refused,
    };
  }

  /**
   * Observe process ends: `exit` every end, `crash` the `crashed` ones (these listeners replace
   * the default crash report on the logger), `kill` the `killed` ones (whose `terminate` did not
   * run: where a layer frees what `terminate` would have; these listeners also get the process's
   * behaviour). `kill` listeners run before `exit` listeners. Returns a function that removes the
   * listener.
   *
   * @example
   * const off = rt.on('kill', (pid, _reason, _error, behaviour) => cleanupFor(pid, behaviour));
   * off();
   */
  on(event: 'exit' | 'crash', listener: ExitListener): () => void;
  on(event: 'kill', listener: KillListener): () => void;
  on(event: 'exit' | 'crash' | 'kill', listener: ExitListener | KillListener): () => void {
    return this.#listeners.add(event, listener);
  }

  /** Where this runtime reports what it cannot return to a caller (crash reports, failed restarts). */
  get logger(): Logger {
    return this.#logger;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Stop every process with reason `shutdown`, newest first (so supervisors stop their children
   * in reverse start order before they stop themselves), cancel every timer, and refuse new
   * spawns. Resolves the number of processes stopped. Idempotent.
   */
  async shutdown(): Promise<number> {
    this.#closed = true;
    let stopped = 0;
    const before = this.#exited;
    const pids = this.#procs.pids().reverse();
    for (const pid of pids) {
      const p = this.#procs.get(pid);
      if (p !== undefined) this.#queueExit(p, 'shutdown', undefined);
    }
    stopped = this.#exited - before;
    for (const handle of this.#timers) this.clock.clearTimer(handle);
    this.#timers.clear();
    return stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
