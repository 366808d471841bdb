/**
 * `cluster-fanout`: a hub node and `workers` worker nodes on loopback, in this process. Each
 * worker runs an echo process that bounces `[reply pid][padding]` (`payload` bytes) back to the
 * hub, as in the seed's benchmark. Measured for each transport (`transports`, default tls and
 * quic) against two raw framed echoes without the cluster (bench/cluster/raw-echo.ts:
 * length-prefixed frames on one long-lived stream, writes coalesced per event-loop turn, the
 * same identity) — one over `node:tls`, one straight over the quinn binding — in the same run:
 *
 * - phase 1, unloaded round trip: one message in flight to worker 0, p50/p99/p99.9 after warm-up;
 * - phase 2, saturation: `inflight` round trips in flight spread over the workers; round trips/s
 *   and cross-node messages/s (2 per round trip).
 *
 * With `processes=true` every worker node (and every raw echo server) runs in its own child
 * process. The subjects (hub, workers, raw echoes, child processes) are in
 * bench/cluster/fanout-subjects.ts.
 *
 * Targets (issue 5): the default transport's p50 within 2× of the raw TLS echo's, and ≥ 50% of
 * its message rate.
 */
import { Identity } from '../../cluster/index.js';
import { clusterSubject, type Kind, rawSubject, type Subject } from '../cluster/fanout-subjects.js';
import type { RawKind } from '../cluster/raw-echo.js';
import { LatencyRecorder } from '../harness/latency.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { type BatchFn, measureInterleaved, measureThroughput } from '../harness/throughput.js';

// ------------------------------------------------------------------ the scenario

/** What each subject is called in metric names, by its key in the run. */
const LABEL: Record<string, string> = {
  'raw-tls': 'raw tls echo',
  'raw-quic': 'raw quic echo',
  tls: 'cluster tls',
  quic: 'cluster quic',
};

export const scenario: Scenario = {
  name: 'cluster-fanout',
  description:
    'hub + N worker nodes on loopback echoing [reply pid] messages, per transport, vs raw framed node:tls and quinn echoes',
  defaults: { workers: 2, inflight: 256, payload: 64, transports: 'tls,quic', processes: false },
  integers: { workers: { min: 1 }, inflight: { min: 1 }, payload: { min: 1 } },
  async run({ seconds, settings, log }) {
    const workers = settings.workers as number;
    const inflight = settings.inflight as number;
    const payload = settings.payload as number;
    const processes = settings.processes === true;
    const kinds = String(settings.transports)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    for (const k of kinds) {
      if (k !== 'tls' && k !== 'quic')
        throw new RangeError(`transports must list 'tls' and/or 'quic', got ${k}`);
    }
    const identity = await Identity.generate();
    log(processes ? `${workers} workers as child processes` : `${workers} workers in this process`);
    // The raw quinn echo is measured whenever the cluster runs over quic (its ceiling).
    const raws: RawKind[] = kinds.includes('quic') ? ['tls', 'quic'] : ['tls'];
    const subjects: Record<string, Subject> = {};
    try {
      for (const r of raws)
        subjects[`raw-${r}`] = await rawSubject(r, identity, workers, inflight, payload, processes);
      for (const k of kinds as Kind[]) {
        subjects[k] = await clusterSubject(k, identity, workers, inflight, payload, processes);
      }
      log(`saturation: ${Object.keys(subjects).join(', ')}, ${inflight} in flight, interleaved`);
      const batches: Record<string, BatchFn> = {};
      for (const [k, s] of Object.entries(subjects)) batches[k] = s.batch;
      const t = await measureInterleaved(batches, { seconds });
      const rawRt = { name: 'raw tls echo', value: t['raw-tls']!.perSecond };
      const rawMsgs = { name: 'raw tls echo', value: 2 * rawRt.value };
      const metrics: Metric[] = [
        metric('raw tls echo round trips', 'rt/s', rawRt.value),
        metric('raw tls echo messages', 'msgs/s', rawMsgs.value),
      ];
      for (const k of Object.keys(subjects)) {
        if (k === 'raw-tls') continue;
        const what = k.startsWith('raw') ? 'messages' : 'cross-node messages';
        metrics.push(compare(`${LABEL[k]} round trips`, 'rt/s', t[k]!.perSecond, rawRt));
        metrics.push(compare(`${LABEL[k]} ${what}`, 'msgs/s', 2 * t[k]!.perSecond, rawMsgs));
      }
      let rawRec: LatencyRecorder | undefined;
      for (const [k, subject] of Object.entries(subjects)) {
        log(`unloaded round trip: ${LABEL[k]}`);
        const rec = new LatencyRecorder();
        await measureThroughput((n) => subject.roundTrips(n, rec), {
          seconds,
          afterWarmup: () => rec.reset(),
        });
        rawRec ??= rec; // raw-tls comes first
        metrics.push(
          ...(rec === rawRec
            ? rec.toMetrics('raw tls echo round trip')
            : rec.toMetrics(`${LABEL[k]} round trip`, { name: 'raw tls echo round trip', recorder: rawRec })),
        );
      }
      return metrics;
    } finally {
      for (const s of Object.values(subjects)) await s.close();
    }
  },
};
