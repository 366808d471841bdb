/**
 * The actor model's public types and the local-node interface.
 *
 * Everything that hosts processes — the single-threaded {@link Runtime}, the sharded `Scheduler`,
 * and whatever the cluster layer wraps — implements {@link LocalNode}, so user code cannot tell
 * them apart. Query methods that may have to cross a thread (`info`, `list`) are typed
 * `Awaitable` there: a `Runtime` answers synchronously, a `Scheduler` may answer with a promise,
 * and `await` works on both.
 */

/** A process id: a plain safe integer that packs the shard index and a per-shard serial. */
export type Pid = number;

/** A monitor reference, unique within one runtime. */
export type MonitorRef = number;

/**
 * Why a process ended. The well-known reasons:
 * - `normal`: the body returned / the process called `exit('normal')`; does not cascade over links.
 * - `killed`: `kill(pid)` or an untrappable kill; `terminate` callbacks do not run.
 * - `crashed`: a handler threw, a body rejected, or a Wasm guest trapped; the error is kept.
 * - `noproc`: the target did not exist when it was monitored or linked.
 * - `timeout`: a receive timed out without being handled, or a watchdog stopped a runaway handler.
 * - `shutdown`: stopped by a supervisor or by `Runtime.shutdown()`.
 * - `noconnection`: the node hosting a remote process became unreachable.
 * Any other string given to `exit` is a custom reason; everything but `normal` cascades.
 */
export type ExitReason =
  | 'normal'
  | 'killed'
  | 'crashed'
  | 'noproc'
  | 'timeout'
  | 'shutdown'
  | 'noconnection'
  | (string & {});

/** What a monitor's watcher receives when the watched process ends. */
export interface DownMessage {
  readonly type: 'down';
  readonly ref: MonitorRef;
  readonly pid: Pid;
  readonly reason: ExitReason;
  readonly error?: unknown;
}

/** What a process that traps exits receives when a linked process ends (or sends it an exit signal). */
export interface ExitMessage {
  readonly type: 'exit';
  readonly from: Pid;
  readonly reason: ExitReason;
  readonly error?: unknown;
}

/** A message selector for selective receive: return true to take the message. */
export type MessageMatcher = (msg: unknown) => boolean;

export interface ReceiveOptions {
  /**
   * Milliseconds to wait for a (matching) message. When it elapses the returned promise rejects
   * with `ReceiveTimeoutError`; a body that lets it escape ends with reason `timeout`.
   */
  readonly timeout?: number;
  /** Take the first message this accepts; the ones it skips stay in the mailbox, in order. */
  readonly match?: MessageMatcher;
}

/** A cancellable timer from `sendAfter`. */
export interface TimerRef {
  /** Cancel the timer; true if it had not fired (or been cancelled) yet. */
  cancel(): boolean;
}

/** Options accepted by every spawn. */
export interface SpawnOptions {
  /** A human label shown by `info` (e.g. the module name). */
  readonly label?: string;
  /** Bound on queued user messages; past it `send` returns false. Signals are never refused. */
  readonly mailboxCapacity?: number;
  /** Start trapping exits before the process first runs. */
  readonly trapExit?: boolean;
  /** Link the new process to this pid before it first runs (what `spawnLink` uses). */
  readonly linkTo?: Pid;
}

/** The process context: a process's handle on the runtime, with itself as the implicit actor. */
export interface Context {
  /** This process's pid. */
  readonly self: Pid;
  /** Take the next (matching) message; see {@link ReceiveOptions}. Receive-loop processes only. */
  receive<T = unknown>(options?: ReceiveOptions): Promise<T>;
  send(pid: Pid, msg: unknown): boolean;
  sendNamed(name: string, msg: unknown): boolean;
  spawn<B extends Behaviour>(behaviour: B, options?: SpawnOptions): Pid;
  /** Spawn and link atomically (the child cannot end unobserved before the link exists). */
  spawnLink<B extends Behaviour>(behaviour: B, options?: SpawnOptions): Pid;
  link(pid: Pid): boolean;
  unlink(pid: Pid): boolean;
  monitor(pid: Pid): MonitorRef;
  demonitor(ref: MonitorRef): boolean;
  trapExit(on: boolean): void;
  /** End this process with `reason` (default `normal`). */
  exit(reason?: ExitReason): void;
  /**
   * Send an exit signal to another process, OTP style: a process trapping exits receives an
   * {@link ExitMessage}; otherwise `normal` is ignored and any other reason ends it (`kill`
   * ends it with `killed` even when it traps exits).
   */
  exitSignal(pid: Pid, reason: ExitReason): boolean;
  register(name: string): boolean;
  unregister(name: string): boolean;
  whereis(name: string): Pid | undefined;
  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef;
}

/** The handler style: a function called once per message, run to completion. */
export interface HandlerBehaviour<S = unknown> {
  /** Runs once before the first message. May return a promise; messages wait until it settles. */
  init?(ctx: Context): unknown;
  /** Runs once per message. May return a promise; the next message waits until it settles. */
  receive(msg: S, ctx: Context): unknown;
  /** Runs when the process ends for any reason but `killed`. Errors thrown here are logged. */
  terminate?(reason: ExitReason, ctx: Context): void;
}

/** The receive-loop style: an async body that pulls messages with `ctx.receive()`. */
export type ReceiveLoopBehaviour = (ctx: Context) => Promise<unknown> | unknown;

export type Behaviour = HandlerBehaviour<any> | ReceiveLoopBehaviour;

export type ProcessStatus = 'runnable' | 'running' | 'waiting';

/** A snapshot of one live process (see `info`). */
export interface ProcessInfo {
  readonly pid: Pid;
  readonly label: string | undefined;
  readonly kind: 'handler' | 'receive-loop';
  /** `runnable`: queued to run; `running`: on the stack or awaiting its own promise;
   * `waiting`: idle with an empty mailbox or parked in receive. */
  readonly status: ProcessStatus;
  readonly names: readonly string[];
  readonly links: readonly Pid[];
  /** Monitors this process holds (as watcher). */
  readonly monitors: readonly { readonly ref: MonitorRef; readonly pid: Pid }[];
  /** Monitors others hold on this process. */
  readonly monitoredBy: readonly { readonly ref: MonitorRef; readonly pid: Pid }[];
  readonly mailboxDepth: number;
  readonly mailboxCapacity: number;
  readonly messagesHandled: number;
  readonly messagesRefused: number;
  readonly trapExit: boolean;
}

export type RestartType = 'permanent' | 'transient' | 'temporary';
export type SupervisorStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

export interface ChildSpec<N = LocalNode> {
  readonly id: string;
  /** Start the child and return its pid. The supervisor links to it. */
  readonly start: (node: N) => Pid;
  /** `permanent` (default) always restarts; `transient` only after an abnormal exit; `temporary` never. */
  readonly restart?: RestartType;
}

export interface SupervisorSpec<N = LocalNode> {
  readonly strategy: SupervisorStrategy;
  readonly children: readonly ChildSpec<N>[];
  /** More than this many restarts within `withinMs` and the supervisor gives up. Default 3. */
  readonly maxRestarts?: number;
  /** The intensity window in milliseconds. Default 5000. */
  readonly withinMs?: number;
  readonly label?: string;
}

/** Counters a node keeps (monotonic since start, except `processes`). */
export interface NodeStats {
  readonly processes: number;
  readonly spawned: number;
  readonly exited: number;
  readonly crashed: number;
  readonly messagesSent: number;
  readonly messagesRefused: number;
}

export type Awaitable<T> = T | Promise<T>;

/**
 * The local-node interface: the process operations of one node, whatever hosts the processes.
 * `Runtime` implements it on one thread; the sharded `Scheduler` implements it across threads;
 * the cluster layer wraps any implementation.
 *
 * Messages may be any JS value inside one thread; `Uint8Array` is the form that crosses
 * threads, nodes and Wasm.
 */
export interface LocalNode {
  spawn<B extends Behaviour>(behaviour: B, options?: SpawnOptions): Pid;
  /** Deliver a user message; false if the pid is dead or its bounded mailbox is full. */
  send(pid: Pid, msg: unknown): boolean;
  sendNamed(name: string, msg: unknown): boolean;
  /**
   * Deliver a system notice (a down/exit-style message produced by a layer above, e.g. the
   * cluster's `noconnection` down) that bypasses mailbox bounds. False if the pid is dead.
   */
  notify(pid: Pid, msg: unknown): boolean;
  /**
   * Optional: deliver the bytes `src[start, end)` as a fresh `Uint8Array` message, as
   * `send(pid, src.slice(start, end))` would, without the intermediate copy where the node can
   * write them straight into a transport (a scheduler's ring to another shard). The caller may
   * reuse `src` as soon as this returns. The Wasm host uses it for guest sends.
   *
   * @example
   * const ok = node.sendCopy ? node.sendCopy(pid, mem, ptr, ptr + len) : node.send(pid, mem.slice(ptr, ptr + len));
   */
  sendCopy?(pid: Pid, src: Uint8Array, start: number, end: number): boolean;
  register(name: string, pid: Pid): boolean;
  unregister(name: string): boolean;
  whereis(name: string): Pid | undefined;
  registered(): string[];
  link(a: Pid, b: Pid): boolean;
  unlink(a: Pid, b: Pid): boolean;
  trapExit(pid: Pid, on: boolean): boolean;
  monitor(watcher: Pid, target: Pid): MonitorRef;
  demonitor(ref: MonitorRef): boolean;
  /**
   * End `pid` with `reason` (the node is the authority: trapping does not prevent it). `kill`
   * ends it as {@link kill} does: reason `killed`, no `terminate`.
   */
  exit(pid: Pid, reason: ExitReason): boolean;
  /** End `pid` with `killed`, unconditionally. */
  kill(pid: Pid): boolean;
  isAlive(pid: Pid): boolean;
  list(): Awaitable<Pid[]>;
  info(pid: Pid): Awaitable<ProcessInfo | undefined>;
  sendAfter(pid: Pid, ms: number, msg: unknown): TimerRef;
  supervise(spec: SupervisorSpec<any>): Pid;
  stats(): Awaitable<NodeStats>;
  /** Stop every process (supervisors stop their children in reverse order); resolves the count. */
  shutdown(): Promise<number>;
}
