/**
 * The doorbell: one Int32 per consuming thread in a SharedArrayBuffer. Producers ring it after
 * publishing into one of that thread's inbound rings; the consumer sleeps on it when all of its
 * rings are empty.
 *
 * States: `AWAKE` (0, the consumer is running and will look at its rings again before sleeping),
 * `SLEEPING` (1, the consumer announced it is about to sleep or sleeps), `SIGNALED` (2, a producer
 * published after the consumer announced sleep).
 *
 * The lost-wake-up argument (all operations below are sequentially consistent `Atomics`):
 *
 * - Consumer: `store(SLEEPING)` → check every ring's `tail` → if all empty, `wait(bell, SLEEPING)`
 *   → `store(AWAKE)`.
 * - Producer: `store(tail)` (publish) → `compareExchange(bell, SLEEPING, SIGNALED)`; only if that
 *   succeeded, `notify(bell)`.
 *
 * If the producer's compare-exchange read `AWAKE`, it came before the consumer's
 * `store(SLEEPING)` in the single total order, so the consumer's ring check (after that store)
 * sees the producer's earlier `tail` store and does not sleep. If it read `SLEEPING`, the bell now
 * holds `SIGNALED`, so the consumer's `wait(bell, SLEEPING)` either returns `not-equal` at once or
 * is woken by the `notify`. Either way a published message is never left unseen by a sleeper,
 * and a producer pays one compare-exchange per batch — no system call while the consumer is awake.
 *
 * The same bell carries "space freed" hints from a consumer back to a producer whose ring was
 * full. The hint is only an optimisation for sleepers: the owner's `hasWork` must also ask its
 * producers whether they can flush now (`RingProducer.canFlush`), or a hint that arrives while
 * the owner is awake is lost.
 *
 * The optional spin (`spinMicros`) polls the rings for a short while before announcing sleep:
 * a sleep costs the waker an `Atomics.notify` (~30–40 µs measured on the busy 2-vCPU VM) and the
 * sleeper a slow wake-up, while a 20 µs spin brought the cross-shard round trip p50 to ~7 µs —
 * when the two threads have a core each. When they share one (an oversubscribed machine), the
 * spinner keeps its peer off the core and every spin runs out empty: p50 rose to ~70 µs (vs ~30 µs
 * without spinning). So the spin is adaptive: after k ≥ 2 empty spins in a row the next random
 * 0 … 2^k - 1 sleeps skip spinning (k capped at 5: 0 … 31), a single empty spin skips nothing,
 * and a spin that finds work resets the back-off. The skip is random because a ping-pong whose two ends both
 * backed off only spins again when both ends spin in the same round trip (a peer that sleeps
 * answers too late for the other's spin): fixed skips can keep the two out of step forever, and
 * a long cap (256 was tried) kept a pair of free cores at ~30 µs for thousands of round trips.
 *
 * @example
 * const sab = createDoorbells(3);
 * const bell = new Doorbell(sab, 1);
 * bell.ring(); // from any thread, after publishing into a ring read by thread 1
 */
/** `Atomics.waitAsync` (Node ≥ 16) is typed only from lib ES2024; this is its shape. */
type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** After empty spins in a row, up to 2^5 - 1 = 31 sleeps (16 on average) pass between two attempts. */
const MAX_SPIN_BACKOFF = 4;

export const AWAKE = 0;
export const SLEEPING = 1;
export const SIGNALED = 2;

/** Allocate `count` doorbells (one per thread) in one SharedArrayBuffer, each on its own cache line. */
export function createDoorbells(count: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(1, count) * 64);
}

export type IdleWait = 'async' | 'block' | 'hybrid';

/** Default `blockMs` of `idleWait: 'block'` (then one event-loop turn, then block again). */
export const BLOCK_MS = 50;
/** Default `blockMs` of `idleWait: 'hybrid'` (then `Atomics.waitAsync` until rung). */
export const HYBRID_BLOCK_MS = 5;

export interface SleepOptions {
  /** Poll `hasWork` for up to this many microseconds before sleeping. Default 0. */
  readonly spinMicros?: number;
  /**
   * `async` (default): `Atomics.waitAsync`, the thread's event loop keeps running (timers, I/O,
   * async handlers). `block`: `Atomics.wait` for at most `blockMs` (50), then yield to the event
   * loop for one turn and block again — lower wake latency, but timers and I/O wait up to
   * `blockMs`. `hybrid`: `Atomics.wait` for at most `blockMs` (5), then `Atomics.waitAsync` — the
   * cheap, fast wake-up of `block` for a peer that answers within the window, and an idle thread
   * that neither wakes periodically nor holds its timers back for more than the window. `block`
   * and `hybrid` only in workers (they stop the thread's event loop while they wait).
   */
  readonly idleWait?: IdleWait;
  readonly blockMs?: number;
}

/** One thread's bell, addressed by index inside the shared doorbell buffer. */
export class Doorbell {
  readonly #cell: Int32Array;
  readonly #index: number;
  /** Sleeps left that go straight to sleep without spinning (owner only). */
  #skipSpins = 0;
  /** Empty spins in a row (capped at MAX_SPIN_BACKOFF). */
  #spinBackoff = 0;
  readonly #random: () => number;

  /** `random` (default `Math.random`) draws the spin back-off; tests pass a fixed one. */
  constructor(sab: SharedArrayBuffer, index: number, random: () => number = Math.random) {
    this.#cell = new Int32Array(sab);
    this.#index = index * 16;
    this.#random = random;
  }

  /**
   * Wake the owner if it is (about to be) asleep. Call after publishing. Returns true when a
   * `notify` was needed.
   */
  ring(): boolean {
    if (Atomics.compareExchange(this.#cell, this.#index, SLEEPING, SIGNALED) !== SLEEPING) return false;
    Atomics.notify(this.#cell, this.#index, 1);
    return true;
  }

  /**
   * Owner only: sleep until rung, unless `hasWork()` turns true first (after optional spinning).
   * Returns true when work is already there — the caller goes on draining in its own loop (no
   * recursion); otherwise returns false and calls `onWake` once rung (the bell is then `AWAKE`).
   */
  sleep(hasWork: () => boolean, onWake: () => void, options: SleepOptions = {}): boolean {
    const spin = options.spinMicros ?? 0;
    if (spin > 0) {
      if (this.#skipSpins > 0) this.#skipSpins--;
      else {
        const until = performance.now() + spin / 1000;
        do {
          if (hasWork()) {
            this.#spinBackoff = 0;
            return true;
          }
        } while (performance.now() < until);
        // The spin found nothing: skip it for a random 0 … 2^k - 1 of the next sleeps, k the
        // number of empty spins in a row (capped). Random, so that two shards that back off
        // together do not stay out of step: a ping-pong only returns to spinning when both ends
        // spin in the same round trip (see the file comment).
        // One empty spin alone skips nothing: a single late reply (GC, a cold handler, a descheduled
        // peer) must not tip a spinning pair into the both-asleep state it can be slow to leave.
        if (this.#spinBackoff > 0) this.#skipSpins = Math.floor(this.#random() * (2 << this.#spinBackoff));
        if (this.#spinBackoff < MAX_SPIN_BACKOFF) this.#spinBackoff++;
      }
    }
    // Announce sleep, then look once more: see the file comment for why this order is required.
    Atomics.store(this.#cell, this.#index, SLEEPING);
    if (hasWork()) {
      Atomics.store(this.#cell, this.#index, AWAKE);
      return true;
    }
    if (options.idleWait === 'hybrid') {
      // Block first. Measured on the 2-vCPU VM (load 6–7): an Atomics.notify costs its caller
      // 7–9 µs when the sleeper is in Atomics.wait and 15–22 µs when it is in Atomics.waitAsync
      // (V8 then posts a task to the sleeper's event loop), and a blocked sleeper wakes ~3× sooner.
      const outcome = Atomics.wait(this.#cell, this.#index, SLEEPING, options.blockMs ?? HYBRID_BLOCK_MS);
      if (outcome !== 'timed-out') {
        Atomics.store(this.#cell, this.#index, AWAKE);
        return true;
      }
      // Nobody rang within the window: wait asynchronously below. The bell still holds SLEEPING
      // (or SIGNALED if a producer rang just now, which waitAsync reports as not-equal at once),
      // so the lost-wake-up argument above holds unchanged.
    } else if (options.idleWait === 'block') {
      const outcome = Atomics.wait(this.#cell, this.#index, SLEEPING, options.blockMs ?? BLOCK_MS);
      Atomics.store(this.#cell, this.#index, AWAKE);
      // Rung: drain at once (the owner yields to its event loop after the work it finds).
      if (outcome !== 'timed-out') return true;
      // Nothing came: one event-loop turn for timers and I/O before sleeping again.
      setImmediate(onWake);
      return false;
    }
    const result = waitAsync(this.#cell, this.#index, SLEEPING);
    if (!result.async) {
      // Rung between our store and the wait: the value was already SIGNALED.
      Atomics.store(this.#cell, this.#index, AWAKE);
      return true;
    }
    void result.value.then(() => {
      Atomics.store(this.#cell, this.#index, AWAKE);
      onWake();
    });
    return false;
  }

  /** Owner only: cancel a pending sleep (used at shutdown) by ringing ourselves. */
  wake(): void {
    Atomics.store(this.#cell, this.#index, SIGNALED);
    Atomics.notify(this.#cell, this.#index);
  }

  get state(): number {
    return Atomics.load(this.#cell, this.#index);
  }
}
