/**
 * A phi-accrual failure detector (Hayashibara et al.; as in Akka and Cassandra).
 *
 * Instead of a fixed timeout it keeps a window of heartbeat inter-arrival times and reports
 * phi = -log10(P(a heartbeat arrives later than now)), assuming intervals are normally
 * distributed around the observed mean plus an `acceptablePause`. A peer whose heartbeats are
 * merely irregular (a busy event loop, GC) raises the standard deviation and so widens its own
 * margin; a dead peer's phi grows without bound. `maxSilence` is a hard upper bound so that the
 * time to `nodedown` stays bounded however noisy the history was.
 *
 * @example
 * const fd = new PhiAccrualDetector({ heartbeatInterval: 250 }, clock.now());
 * fd.heartbeat(clock.now());            // on every heartbeat frame
 * if (fd.isAvailable(clock.now())) { ... }
 */
import { InvalidArgumentError } from '../runtime/errors.js';

export interface FailureDetectorOptions {
  /** How often each side sends a heartbeat, ms (default 250). */
  readonly heartbeatInterval?: number;
  /** Suspicion level at which the peer is declared down (default 8: ~1 false positive in 10^8). */
  readonly threshold?: number;
  /** A pause this long on top of the mean interval is still normal, ms (default 1000). */
  readonly acceptablePause?: number;
  /** Floor for the standard deviation so a very regular peer is not declared down on one late beat, ms (default 100). */
  readonly minStdDev?: number;
  /** Down after this long without hearing from the peer whatever phi says, ms (default 5000). */
  readonly maxSilence?: number;
  /** Intervals kept (default 100). */
  readonly window?: number;
}

export type ResolvedDetectorOptions = Required<FailureDetectorOptions>;

export function resolveDetectorOptions(o: FailureDetectorOptions = {}): ResolvedDetectorOptions {
  const r: ResolvedDetectorOptions = {
    heartbeatInterval: o.heartbeatInterval ?? 250,
    threshold: o.threshold ?? 8,
    acceptablePause: o.acceptablePause ?? 1000,
    minStdDev: o.minStdDev ?? 100,
    maxSilence: o.maxSilence ?? 5000,
    window: o.window ?? 100,
  };
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new InvalidArgumentError(
        `options.failureDetector.${k} must be a positive finite number, got ${v}`,
      );
    }
  }
  return r;
}

/** Upper bound on the time from a peer's last heartbeat to `nodedown` with these options. */
export function detectionBound(o: ResolvedDetectorOptions): number {
  return o.maxSilence;
}

export class PhiAccrualDetector {
  readonly #o: ResolvedDetectorOptions;
  readonly #intervals: number[] = [];
  #sum = 0;
  #sumSq = 0;
  #last: number;

  constructor(options: FailureDetectorOptions | ResolvedDetectorOptions, now: number) {
    this.#o = resolveDetectorOptions(options);
    this.#last = now;
    // Seed the history with the expected interval so the first beats are judged sensibly.
    this.#add(this.#o.heartbeatInterval);
  }

  #add(interval: number): void {
    this.#intervals.push(interval);
    this.#sum += interval;
    this.#sumSq += interval * interval;
    if (this.#intervals.length > this.#o.window) {
      const old = this.#intervals.shift()!;
      this.#sum -= old;
      this.#sumSq -= old * old;
    }
  }

  /** Record a heartbeat arrival. */
  heartbeat(now: number): void {
    this.#add(Math.max(0, now - this.#last));
    this.#last = now;
  }

  /** Milliseconds since the last heartbeat. */
  silence(now: number): number {
    return now - this.#last;
  }

  /** The current suspicion level. */
  phi(now: number): number {
    const n = this.#intervals.length;
    const mean = this.#sum / n + this.#o.acceptablePause;
    const variance = Math.max(0, this.#sumSq / n - (this.#sum / n) ** 2);
    const std = Math.max(Math.sqrt(variance), this.#o.minStdDev);
    const y = (now - this.#last - mean) / std;
    // Logistic approximation of the normal CDF's tail (as Akka does); avoids erf.
    const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    const pLater = y > 0 ? e / (1 + e) : 1 - 1 / (1 + e);
    return -Math.log10(Math.max(pLater, Number.MIN_VALUE));
  }

  isAvailable(now: number): boolean {
    return this.silence(now) < this.#o.maxSilence && this.phi(now) < this.#o.threshold;
  }
}
