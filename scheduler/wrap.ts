/**
 * Wrapping of behaviours spawned on a shard: `ctx` becomes a {@link ShardContext} (routes to any
 * shard) and every handler call is bracketed by watchdog marks.
 *
 * The marks live in a SharedArrayBuffer per thread that the main thread's watchdog reads:
 * Int32 `seq` (bumped when a handler starts), Int32 `running` (1 while a handler runs), and
 * Float64 `pid` (the process running). A handler that keeps `running` = 1 with an unchanged
 * `seq` for longer than `maxHandlerMs` is a runaway: its thread is not coming back to the event
 * loop, so only terminating the worker stops it.
 *
 * The shard writes the marks with plain stores (two per handler call, three with the pid), not
 * `Atomics`: an atomic read-modify-write or SC store costs a locked instruction on every message,
 * which measured ~90 ns per message on the hot path. Plain stores are safe here because the
 * watchdog only acts on a mark that stayed unchanged for `maxHandlerMs` (hundreds of
 * milliseconds): a store becomes visible to other threads within nanoseconds to microseconds, so
 * by then the runaway's `pid` and `running` are long visible, and a `leave` of a handler that
 * returned is too. The watchdog side reads with `Atomics.load`. Only this thread writes `seq`.
 *
 * @example
 * const marks = new WatchMarks(createWatchBuffer());
 * rt.spawn(wrapBehaviour(behaviour, node, marks));
 */
import type { Behaviour, Context, ExitReason, HandlerBehaviour, Pid } from '../runtime/types.js';
import { ShardContext } from './shard-context.js';
import type { ShardNode } from './shard-node.js';

const SEQ = 0;
const RUNNING = 1;

export function createWatchBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(64);
}

export class WatchMarks {
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  constructor(sab: SharedArrayBuffer) {
    this.#i32 = new Int32Array(sab, 0, 4);
    this.#f64 = new Float64Array(sab, 8, 1);
  }
  /** A handler of `pid` starts (plain stores: see the file comment). */
  enter(pid: Pid): void {
    const i32 = this.#i32;
    if (this.#f64[0] !== pid) this.#f64[0] = pid;
    i32[SEQ] = ((i32[SEQ] as number) + 1) | 0;
    i32[RUNNING] = 1;
  }
  /** The handler returned. */
  leave(): void {
    this.#i32[RUNNING] = 0;
  }
  /** Watchdog side: `{ seq, running, pid }`. */
  read(): { seq: number; running: boolean; pid: Pid } {
    const running = Atomics.load(this.#i32, RUNNING) === 1;
    return { seq: Atomics.load(this.#i32, SEQ), running, pid: this.#f64[0] as number };
  }
}

/** Wrap `behaviour` so its `ctx` routes through `node` and its calls are watched. */
export function wrapBehaviour(
  behaviour: Behaviour,
  node: ShardNode,
  marks: WatchMarks | undefined,
): Behaviour {
  if (typeof behaviour === 'function') {
    return (ctx: Context) => {
      const proxy = new ShardContext(node, ctx, marks);
      if (marks === undefined) return behaviour(proxy);
      marks.enter(ctx.self);
      try {
        return behaviour(proxy);
      } finally {
        marks.leave();
      }
    };
  }
  if (behaviour === null || typeof behaviour !== 'object') return behaviour;
  const b = behaviour as HandlerBehaviour;
  let proxy: ShardContext | undefined;
  const ctxOf = (ctx: Context): ShardContext => {
    if (proxy === undefined) proxy = new ShardContext(node, ctx, marks);
    return proxy;
  };
  const receive = b.receive;
  // No closure per message: the receive wrapper brackets the call itself.
  const wrapped: HandlerBehaviour =
    marks === undefined
      ? { receive: (msg: unknown, ctx: Context) => receive.call(b, msg, ctxOf(ctx)) }
      : {
          receive: (msg: unknown, ctx: Context) => {
            marks.enter(ctx.self);
            try {
              // Only the synchronous part can block the thread; a returned promise is not watched.
              return receive.call(b, msg, ctxOf(ctx));
            } finally {
              marks.leave();
            }
          },
        };
  const call = (pid: Pid, fn: () => unknown): unknown => {
    if (marks === undefined) return fn();
    marks.enter(pid);
    try {
      return fn();
    } finally {
      marks.leave();
    }
  };
  if (b.init !== undefined) {
    const init = b.init;
    wrapped.init = (ctx: Context) => call(ctx.self, () => init.call(b, ctxOf(ctx)));
  }
  if (b.terminate !== undefined) {
    const terminate = b.terminate;
    wrapped.terminate = (reason: ExitReason, ctx: Context) => terminate.call(b, reason, ctxOf(ctx));
  }
  return wrapped;
}
