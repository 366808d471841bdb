/**
 * The main thread's watchdog over runaway handlers. Node cannot interrupt a thread that runs a
 * loop (JS or Wasm), so the only cure is to terminate that shard's worker. Every `periodMs` the
 * watchdog reads each shard's {@link WatchMarks}: a handler that is still `running` with the same
 * `seq` as at the previous looks, for at least `maxHandlerMs`, is reported through `onRunaway`.
 *
 * It never asserts on time inside the shard: the shard only bumps counters, the judgement is
 * made here with the main thread's clock, so a shard that is stuck cannot lie about it.
 *
 * @example
 * const dog = new Watchdog({ maxHandlerMs: 1000, marks, onRunaway: (thread, pid) => restart(thread, pid) });
 * dog.start(); // unref'd interval; dog.stop() at close
 */
import type { Pid } from '../runtime/types.js';
import type { WatchMarks } from './wrap.js';

export interface WatchdogOptions {
  readonly maxHandlerMs: number;
  /** The marks of each worker thread, by thread index (undefined for threads not watched). */
  readonly marks: () => readonly (WatchMarks | undefined)[];
  readonly onRunaway: (thread: number, pid: Pid) => void;
  readonly now?: () => number;
}

export class Watchdog {
  readonly #options: WatchdogOptions;
  readonly #seen = new Map<number, { seq: number; since: number }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WatchdogOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const period = Math.max(1, Math.floor(this.#options.maxHandlerMs / 4));
    this.#timer = setInterval(() => this.check(), period);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Forget what was seen on `thread` (its worker was replaced). */
  reset(thread: number): void {
    this.#seen.delete(thread);
  }

  /** One look at every shard; also called while the main thread blocks in a synchronous spawn. */
  check(): void {
    const now = (this.#options.now ?? performance.now.bind(performance))();
    const all = this.#options.marks();
    for (let t = 0; t < all.length; t++) {
      const marks = all[t];
      if (marks === undefined) continue;
      const { seq, running, pid } = marks.read();
      const prev = this.#seen.get(t);
      if (!running) {
        this.#seen.delete(t);
        continue;
      }
      if (prev === undefined || prev.seq !== seq) {
        this.#seen.set(t, { seq, since: now });
        continue;
      }
      if (now - prev.since >= this.#options.maxHandlerMs) {
        this.#seen.delete(t);
        this.#options.onRunaway(t, pid);
      }
    }
  }
}
