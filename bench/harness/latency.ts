/**
 * A latency recorder over an HDR histogram (hdr-histogram-js): record durations in nanoseconds,
 * report p50 / p99 / p99.9 in microseconds, each as its own metric.
 */

import { performance } from 'node:perf_hooks';
import { build, type Histogram } from 'hdr-histogram-js';
import { compare, metric } from './result.js';
import type { Metric } from './scenario.js';

/** Percentiles of one recording, in microseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

const PERCENTILES = [
  ['p50', 50],
  ['p99', 99],
  ['p999', 99.9],
] as const;

/**
 * Records durations. `performance.now()` has sub-microsecond resolution on Linux; values are kept
 * as integer nanoseconds at 3 significant digits.
 *
 * @example
 * const rec = new LatencyRecorder();
 * for (let i = 0; i < 1000; i++) { const t0 = rec.now(); await roundTrip(); rec.recordSince(t0); }
 * const metrics = rec.toMetrics('round trip');   // round trip p50 / p99 / p999 in µs
 */
export class LatencyRecorder {
  readonly #histogram: Histogram;

  constructor() {
    this.#histogram = build({ numberOfSignificantValueDigits: 3 });
  }

  /** The current time in milliseconds (pass it to {@link recordSince}). */
  now(): number {
    return performance.now();
  }

  /** Record the time elapsed since `startMs` (a value from {@link now}). */
  recordSince(startMs: number): void {
    this.recordNanos((performance.now() - startMs) * 1e6);
  }

  /** Record one duration in nanoseconds (negative values are clamped to 0). */
  recordNanos(ns: number): void {
    this.#histogram.recordValue(ns > 0 ? Math.round(ns) : 0);
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  /** Percentiles in microseconds; all zero when nothing was recorded. */
  summary(): LatencySummary {
    const h = this.#histogram;
    const us = (ns: number) => ns / 1000;
    return {
      count: h.totalCount,
      p50: us(h.getValueAtPercentile(50)),
      p99: us(h.getValueAtPercentile(99)),
      p999: us(h.getValueAtPercentile(99.9)),
      max: us(h.maxValue),
      mean: us(h.totalCount > 0 ? h.mean : 0),
    };
  }

  /**
   * One metric per percentile, named `<name> p50` etc., in µs. With a `baseline` recorder each
   * metric carries the baseline's same percentile and the ratio (below 1 = faster than baseline).
   */
  toMetrics(name: string, baseline?: { name: string; recorder: LatencyRecorder }): Metric[] {
    const mine = this.summary();
    const theirs = baseline?.recorder.summary();
    return PERCENTILES.map(([key, label]) => {
      const metricName = `${name} p${label}`;
      if (baseline === undefined || theirs === undefined) return metric(metricName, 'µs', mine[key]);
      return compare(metricName, 'µs', mine[key], { name: `${baseline.name} p${label}`, value: theirs[key] });
    });
  }

  /** Forget every recorded value. */
  reset(): void {
    this.#histogram.reset();
  }
}
