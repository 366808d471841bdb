/**
 * Wrapping of behaviours spawned on a shard: `ctx` becomes a {@link ShardContext} (routes to any
 * shard) and every handler call is marked for the watchdog.
 *
 * The marks live in a SharedArrayBuffer per thread that the main thread's watchdog reads: an
 * Int32 `seq` and a Float64 `pid` (the process that entered last). `seq` is odd while the thread
 * may be inside a handler ("running") and even once it is known to be out of every handler. A
 * `seq` that stays odd and unchanged for longer than `maxHandlerMs` is a runaway: its thread is
 * not coming back to the event loop, so only terminating the worker stops it.
 *
 * A handler call only *enters* (one store: `seq` to the next odd value; the pid too when it
 * changes). Nothing is written when it returns and there is no try/finally: "out of every
 * handler" is written where the thread is known to be between handlers — at the start of each
 * Mesh pass (the runtime ran the handlers its previous pass fed before it, see mesh.ts
 * `onPass`), before a receive-loop body awaits `receive`, and by the shard's heartbeat timer
 * (shard-worker.ts), which runs every `maxHandlerMs / 4` and only when no handler is on the
 * stack. So a handler that returned (or threw) is un-marked within a quarter of `maxHandlerMs`
 * at the latest, long before the watchdog's rule can fire; measured, this saved ~4% of the CPU
 * per message of the cross-shard Wasm ping-pong against enter + leave in a try/finally per call
 * (docs/benchmarks.md, "Session 4 (issue 4)"). The price: work outside any handler call that
 * runs before the next Mesh pass or heartbeat (the runtime's bookkeeping after a handler, the
 * continuation of a promise a handler returned) and takes longer than `maxHandlerMs` is blamed
 * on the process that entered last, and a worker that dies meanwhile reports it as the one
 * running (docs/scheduler.md, "The watchdog").
 *
 * The shard writes the marks with plain stores, not `Atomics`: an atomic read-modify-write or SC
 * store costs a locked instruction on every message, which measured ~90 ns per message on the
 * hot path. Plain stores are safe here because the watchdog only acts on a mark that stayed
 * unchanged for `maxHandlerMs` (hundreds of milliseconds): a store becomes visible to other
 * threads within nanoseconds to microseconds, so by then the runaway's `pid` and `seq` are long
 * visible, and so is a later even `seq`. The watchdog side reads with `Atomics.load`. Only the
 * shard's thread writes the marks (one {@link WatchMarks} per thread keeps `seq` in a field, so
 * marking reads no shared memory).
 *
 * @example
 * const marks = new WatchMarks(createWatchBuffer());
 * rt.spawn(wrapBehaviour(behaviour, node, marks));
 */
import type { Behaviour, Context, ExitReason, HandlerBehaviour, Pid } from '../runtime/types.js';
import { ShardContext } from './shard-context.js';
import type { ShardNode } from './shard-node.js';

const SEQ = 0;

export function createWatchBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(64);
}

export class WatchMarks {
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  /** The writer's copy of `seq` and of the pid mark (the shard thread is their only writer). */
  #seq: number;
  #pid: number;
  constructor(sab: SharedArrayBuffer) {
    this.#i32 = new Int32Array(sab, 0, 4);
    this.#f64 = new Float64Array(sab, 8, 1);
    this.#seq = this.#i32[SEQ] as number;
    this.#pid = this.#f64[0] as number;
  }
  /** A handler of `pid` starts: `seq` to its next odd value (plain stores: see the file comment). */
  enter(pid: Pid): void {
    if (pid !== this.#pid) {
      this.#pid = pid;
      this.#f64[0] = pid;
    }
    const seq = (this.#seq + 2) | 1;
    this.#seq = seq;
    this.#i32[SEQ] = seq;
  }
  /** The thread is between handlers: `seq` to even (a store only when it was odd). */
  leave(): void {
    const seq = this.#seq;
    if ((seq & 1) === 0) return;
    this.#seq = (seq + 1) | 0;
    this.#i32[SEQ] = this.#seq;
  }
  /** Writer side: the sequence as last written (moves on every enter, and on a leave that clears). */
  get sequence(): number {
    return this.#seq;
  }
  /** Watchdog side: `{ seq, running, pid }`. */
  read(): { seq: number; running: boolean; pid: Pid } {
    const seq = Atomics.load(this.#i32, SEQ);
    return { seq, running: (seq & 1) !== 0, pid: this.#f64[0] as number };
  }
}

/**
 * A handler behaviour as a shard runs it: one object per process, of one class, so the runtime's
 * call of `receive` sees one shape for every wrapped handler (Wasm actors and JS ones alike) and
 * V8 can inline through it into the behaviour's own `receive`.
 */
class ShardHandler {
  readonly #b: HandlerBehaviour;
  readonly #node: ShardNode;
  readonly #marks: WatchMarks | undefined;
  #proxy: ShardContext | undefined = undefined;
  /**
   * Own fields, undefined when the behaviour has none: the runtime reads a missing hook as
   * `=== undefined`, and fields (unlike optional properties added or not) keep one shape.
   */
  readonly init: ((ctx: Context) => unknown) | undefined;
  readonly terminate: ((reason: ExitReason, ctx: Context) => void) | undefined;

  constructor(b: HandlerBehaviour, node: ShardNode, marks: WatchMarks | undefined) {
    this.#b = b;
    this.#node = node;
    this.#marks = marks;
    const init = b.init;
    this.init =
      init === undefined
        ? undefined
        : (ctx: Context) => {
            this.#marks?.enter(ctx.self);
            return init.call(b, this.#ctx(ctx));
          };
    const terminate = b.terminate;
    this.terminate =
      terminate === undefined
        ? undefined
        : (reason: ExitReason, ctx: Context) => {
            // Marked too: a terminate that never returns is blamed on its own process.
            this.#marks?.enter(ctx.self);
            terminate.call(b, reason, this.#ctx(ctx));
          };
  }

  receive(msg: unknown, ctx: Context): unknown {
    // Only the synchronous part can block the thread; a returned promise is not watched.
    this.#marks?.enter(ctx.self);
    return this.#b.receive(msg, this.#ctx(ctx));
  }

  #ctx(ctx: Context): ShardContext {
    const proxy = this.#proxy;
    if (proxy !== undefined) return proxy;
    return (this.#proxy = new ShardContext(this.#node, ctx, this.#marks));
  }

  /** The behaviour {@link wrapBehaviour} wrapped, or `b` itself if it is not a wrapper. */
  static unwrap(b: unknown): unknown {
    return b instanceof ShardHandler ? b.#b : b;
  }
}

/**
 * The behaviour a process of a shard was spawned with, under the watchdog wrapper: what the Wasm
 * host looks for in a process record (its own actors) and in a kill notice.
 */
export const unwrapBehaviour = ShardHandler.unwrap;

/** Wrap `behaviour` so its `ctx` routes through `node` and its calls are watched. */
export function wrapBehaviour(
  behaviour: Behaviour,
  node: ShardNode,
  marks: WatchMarks | undefined,
): Behaviour {
  if (typeof behaviour === 'function') {
    return (ctx: Context) => {
      marks?.enter(ctx.self);
      return behaviour(new ShardContext(node, ctx, marks));
    };
  }
  if (behaviour === null || typeof behaviour !== 'object') return behaviour;
  // A HandlerBehaviour at run time; only `exactOptionalPropertyTypes` rejects fields that hold
  // undefined where the interface has optional hooks.
  return new ShardHandler(behaviour as HandlerBehaviour, node, marks) as unknown as HandlerBehaviour;
}
