/**
 * Time goes through a {@link Clock} so tests can use a {@link SimulatedClock} and never sleep.
 *
 * @example
 * const clock = new SimulatedClock();
 * const rt = new Runtime({ clock });
 * rt.sendAfter(pid, 100, 'tick');
 * clock.advance(100); // 'tick' is delivered now
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Call `fn` after `ms` milliseconds; returns a handle for `clearTimer`. */
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock: `performance.now()` and Node timers. */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }
  setTimer(ms: number, fn: () => void): unknown {
    return setTimeout(fn, ms);
  }
  clearTimer(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

interface SimTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; timers fire in (due time, creation) order. */
export class SimulatedClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: SimTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): unknown {
    const timer: SimTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return timer;
  }

  clearTimer(handle: unknown): void {
    (handle as SimTimer).cancelled = true;
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order (including timers
   * those timers set, if they fall due within the window). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: SimTimer | undefined;
      for (const t of this.#timers) {
        if (t.cancelled || t.at > target) continue;
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      next.cancelled = true;
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }
}
