/**
 * `shard-pingpong`: actors on two shards of a `Scheduler` bouncing 12–16-byte messages through
 * the SharedArrayBuffer rings, against `postMessage` (a `MessageChannel`) between two workers doing
 * the same hops, in the same run.
 *
 * - throughput: the Wasm `ping` guest on shard 0 keeps `inflight` messages bouncing off the Wasm
 *   `pong` guest on shard 1 (every delivered message counts), vs two workers doing the same with
 *   `postMessage` and the same number in flight;
 * - latency: one message in flight, timed per round trip inside shard 0 by a JS actor (this file's
 *   default export) against the Wasm `pong`, with and without the idle spin, and with each idle
 *   wait (`async`, `block`, `hybrid`; hybrid also for throughput); vs `postMessage`.
 *
 * - lean rings: the same hops between two workers over our ring and doorbell primitives alone, with
 *   plain JS in place of the Wasm guests (bench/scheduler/lean-ring.ts) — the floor the scheduler
 *   path (Mesh, ShardNode routing, Runtime mailbox, Wasm host) is measured against. Same messages
 *   (12-byte bodies in pid records), same number in flight, same spin and idle wait.
 *
 * This file is also the JS actor module the shards load (its default export), so the benchmark
 * needs no extra files.
 */
import { Worker } from 'node:worker_threads';
import { silentLogger } from '../../runtime/logger.js';
import type { Context, Pid } from '../../runtime/types.js';
import type { IdleWait } from '../../scheduler/doorbell.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { LatencyRecorder } from '../harness/latency.js';
import { compare } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { measureThroughput } from '../harness/throughput.js';
import { leanRingPair } from '../scheduler/lean-ring.js';

/** The latency prober (runs on a shard): `{ pong, count, report }` → `{ nanos: number[] }` to report. */
const prober = {
  receive(msg: unknown, ctx: Context): void {
    const self = this as unknown as {
      t0: number;
      left: number;
      nanos: number[];
      cmd: { pong: Pid; report: Pid };
    };
    const buf = new Uint8Array(16);
    const view = new DataView(buf.buffer);
    view.setFloat64(0, ctx.self, true);
    if (!(msg instanceof Uint8Array)) {
      const cmd = msg as { pong: Pid; count: number; report: Pid };
      self.cmd = cmd;
      self.left = cmd.count;
      self.nanos = [];
    } else {
      self.nanos.push((performance.now() - self.t0) * 1e6);
      if (--self.left === 0) {
        ctx.send(self.cmd.report, { nanos: self.nanos });
        return;
      }
    }
    self.t0 = performance.now();
    ctx.send(self.cmd.pong, buf);
  },
};
export default prober;

/** Two workers joined by a MessageChannel: ping keeps `inflight` messages bouncing off pong. */
const BASELINE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const port = workerData.port;
if (workerData.role === 'pong') {
  port.on('message', (m) => port.postMessage(m));
} else {
  let mode = null, left = 0, outstanding = 0, nanos = [], t0 = 0;
  const msg = new Uint8Array(16);
  port.on('message', () => {
    if (mode === 'lat') {
      nanos.push((performance.now() - t0) * 1e6);
      if (--left === 0) return parentPort.postMessage({ nanos });
      t0 = performance.now();
      port.postMessage(msg);
      return;
    }
    outstanding--; left--;
    if (left === 0) return parentPort.postMessage({ done: true });
    if (outstanding < left) { outstanding++; port.postMessage(msg); }
  });
  parentPort.on('message', (cmd) => {
    mode = cmd.mode; left = cmd.count;
    if (mode === 'lat') { nanos = []; t0 = performance.now(); port.postMessage(msg); return; }
    outstanding = 0;
    for (let i = 0; i < cmd.inflight && outstanding < left; i++) { outstanding++; port.postMessage(msg); }
  });
}
`;

/**
 * First batch (messages). Each rings batch spawns a fresh Wasm ping on shard 0 (a ring round trip
 * and an instance); batches of 200k+ messages keep that under ~1% of a batch, so the number is
 * the messaging, not the spawn (with 40k batches the spawn halved the reported rate).
 */
const BATCH = 200_000;

/**
 * Longest warm-up before each throughput measurement (every subject alike; as long as the
 * measured window, up to this). A fresh shard pair needs
 * ~1–2M messages before V8 has optimized its whole path — on the 2-vCPU VM the optimizing
 * compiler's background thread competes with the two shards for the cores: its batches climb from
 * ~1M to ~4–5M msgs/s over the first second. With the harness default (20% of the measured
 * second, 0.2 s — less than the first batch alone, which also loads the `ping` module) that climb
 * was part of the measured number (docs/benchmarks.md, "Session 4 (issue 4)").
 */
const WARMUP_SECONDS = 1;

interface Baseline {
  throughput(rounds: number, inflight: number): Promise<void>;
  latency(count: number): Promise<number[]>;
  close(): Promise<void>;
}

function postMessageBaseline(): Baseline {
  const { port1, port2 } = new MessageChannel();
  const ping = new Worker(BASELINE_WORKER, {
    eval: true,
    workerData: { role: 'ping', port: port1 },
    transferList: [port1],
  });
  const pong = new Worker(BASELINE_WORKER, {
    eval: true,
    workerData: { role: 'pong', port: port2 },
    transferList: [port2],
  });
  const ask = <T>(cmd: object): Promise<T> =>
    new Promise((resolve) => {
      ping.once('message', resolve);
      ping.postMessage(cmd);
    });
  return {
    throughput: (rounds, inflight) => ask({ mode: 'tp', count: rounds, inflight }),
    latency: async (count) => (await ask<{ nanos: number[] }>({ mode: 'lat', count })).nanos,
    close: async () => {
      await Promise.all([ping.terminate(), pong.terminate()]);
    },
  };
}

/** This module as shards load it: compiled JS (dist/ when vitest runs the TS source). */
function proberUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/bench/scenarios/shard-pingpong.js', here) : new URL(here);
}

/** A scheduler with Wasm pong on shard 1; `batch` spawns a Wasm ping on shard 0 per batch. */
function shardPair(spinMicros: number, idleWait: IdleWait = 'async') {
  const s = new Scheduler({ shards: 2, spinMicros, idleWait, logger: silentLogger });
  const pong = s.spawn({ wasm: exampleGuestPath('pong') }, { placement: { shard: 1 } });
  let settle: (msg: unknown) => void = () => {};
  const report = s.spawn({ receive: (m: unknown) => settle(m) });
  const next = () => new Promise<unknown>((resolve) => (settle = resolve));
  const prober = s.spawn({ module: proberUrl() }, { placement: { shard: 0 } });
  return {
    async throughput(rounds: number, inflight: number): Promise<void> {
      const args = new DataView(new ArrayBuffer(24));
      args.setFloat64(0, pong, true);
      args.setFloat64(8, report, true);
      args.setUint32(16, rounds, true);
      args.setUint32(20, inflight, true);
      const done = next();
      await s.spawnAsync(
        { wasm: exampleGuestPath('ping'), args: new Uint8Array(args.buffer) },
        { placement: { shard: 0 } },
      );
      await done;
    },
    async latency(count: number): Promise<number[]> {
      const done = next();
      s.send(prober, { pong, count, report });
      return ((await done) as { nanos: number[] }).nanos;
    },
    close: () => s.destroy(),
  };
}

function record(nanos: number[]): LatencyRecorder {
  const rec = new LatencyRecorder();
  for (const n of nanos) rec.recordNanos(n);
  return rec;
}

export const scenario: Scenario = {
  name: 'shard-pingpong',
  description:
    'Wasm actors on two scheduler shards ping-ponging over SharedArrayBuffer rings (throughput, many in flight; round-trip latency, one in flight, spin 0 and spin N, each idle wait) vs postMessage between two workers',
  defaults: { inflight: 256, latencyRounds: 20000, spinMicros: 20 },
  async run({ seconds, settings, log }): Promise<Metric[]> {
    const inflight = Number(settings.inflight);
    const latencyRounds = Number(settings.latencyRounds);
    const spin = Number(settings.spinMicros);
    const metrics: Metric[] = [];
    const base = postMessageBaseline();
    const rings = shardPair(spin);
    const lean = leanRingPair({ spinMicros: spin });
    /** Messages/s of a pair with `inflight` round trips in flight (two messages per round trip). */
    const msgsPerSecond = (pair: { throughput(rounds: number, inflight: number): Promise<unknown> }) =>
      measureThroughput(
        async (n) => {
          const rounds = Math.max(inflight, Math.ceil(n / 2));
          await pair.throughput(rounds, inflight);
          return rounds * 2;
        },
        {
          seconds: seconds / 2,
          warmupSeconds: Math.min(WARMUP_SECONDS, seconds / 2),
          initialBatch: BATCH,
          minBatchMs: 100,
        },
      );
    try {
      log('throughput: postMessage');
      const b = await msgsPerSecond(base);
      log('throughput: lean rings');
      const l = await msgsPerSecond(lean);
      log('throughput: rings');
      const r = await msgsPerSecond(rings);
      metrics.push(
        compare(`rings, Wasm ping/pong, ${inflight} in flight`, 'msgs/s', r.perSecond, {
          name: `postMessage, ${inflight} in flight`,
          value: b.perSecond,
        }),
        compare(`lean rings, JS ping/pong, ${inflight} in flight`, 'msgs/s', l.perSecond, {
          name: `postMessage, ${inflight} in flight`,
          value: b.perSecond,
        }),
        compare(`rings, Wasm ping/pong vs lean rings, ${inflight} in flight`, 'msgs/s', r.perSecond, {
          name: `lean rings, JS ping/pong, ${inflight} in flight`,
          value: l.perSecond,
        }),
      );
      log('latency');
      await base.latency(2000);
      const baseLat = record(await base.latency(latencyRounds));
      await rings.latency(2000);
      const spinLat = record(await rings.latency(latencyRounds));
      metrics.push(
        ...spinLat.toMetrics(`ring round trip, spin ${spin} µs`, {
          name: 'postMessage round trip',
          recorder: baseLat,
        }),
      );
    } finally {
      await Promise.all([rings.close(), lean.close()]);
    }
    for (const idleWait of ['async', 'block', 'hybrid'] as const) {
      const idle = shardPair(0, idleWait);
      try {
        if (idleWait === 'hybrid') {
          // Throughput too: hybrid is the idle wait that changes what a wake-up costs the sender.
          const b = await msgsPerSecond(base);
          const h = await msgsPerSecond(idle);
          metrics.push(
            compare(`rings, idleWait hybrid, no spin, ${inflight} in flight`, 'msgs/s', h.perSecond, {
              name: `postMessage, ${inflight} in flight`,
              value: b.perSecond,
            }),
          );
        }
        await idle.latency(2000);
        const baseLat = record(await base.latency(latencyRounds));
        const idleLat = record(await idle.latency(latencyRounds));
        metrics.push(
          ...idleLat.toMetrics(`ring round trip, no spin, idleWait ${idleWait}`, {
            name: 'postMessage round trip',
            recorder: baseLat,
          }),
        );
      } finally {
        await idle.close();
      }
    }
    await base.close();
    return metrics;
  },
};
