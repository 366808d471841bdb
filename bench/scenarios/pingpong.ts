/**
 * `pingpong`: pairs of processes on one `Runtime` bouncing a counter, as handler processes and as
 * receive-loop processes, against a plain JS queue loop and xstate v5 actors doing the same hops
 * in the same run. Throughput (msgs/s, every delivered message counts) and round-trip latency
 * (one message in flight, p50/p99/p99.9) are separate metrics.
 */
import { type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import { createQueuePingPong, createQueueRoundTrip } from '../harness/baselines/queue-loop.js';
import { createXstatePingPong } from '../harness/baselines/xstate.js';
import { LatencyRecorder } from '../harness/latency.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { type BatchFn, measureInterleaved, measureThroughput } from '../harness/throughput.js';

/** A ping-pong batch on a runtime: resolves the hops delivered once every pair reached its limit. */
interface RuntimePingPong {
  readonly batch: (size: number) => Promise<number>;
  readonly close: () => Promise<void>;
}

/**
 * `pairs` pairs of processes of one style. A process receiving `n` sends `n + 1` to its peer
 * until `n` reaches the batch's limit, so a batch delivers exactly `limit` messages per pair.
 */
function runtimePingPong(pairs: number, style: 'handler' | 'receive-loop'): RuntimePingPong {
  const rt = new Runtime({ logger: silentLogger });
  let limit = 0;
  let pending = 0;
  let settle: () => void = () => {};
  const reached = () => {
    if (--pending === 0) settle();
  };
  const firsts: Pid[] = [];
  for (let p = 0; p < pairs; p++) {
    // The peer is read when a message arrives, after both pids of the pair exist.
    const pair = { a: 0, b: 0 };
    const spawnOne = (peer: () => Pid): Pid =>
      style === 'handler'
        ? rt.spawn({
            receive(n: number, ctx) {
              if (n < limit) ctx.send(peer(), n + 1);
              else reached();
            },
          })
        : rt.spawn(async (ctx) => {
            for (;;) {
              const n = await ctx.receive<number>();
              if (n < limit) ctx.send(peer(), n + 1);
              else reached();
            }
          });
    pair.a = spawnOne(() => pair.b);
    pair.b = spawnOne(() => pair.a);
    firsts.push(pair.a);
  }
  return {
    batch(size) {
      limit = Math.max(1, Math.ceil(size / pairs));
      pending = pairs;
      const done = new Promise<number>((resolve) => {
        settle = () => resolve(limit * pairs);
      });
      for (const a of firsts) rt.send(a, 1);
      return done;
    },
    close: async () => {
      await rt.shutdown();
    },
  };
}

/** One pair, one message in flight: `run(n)` records `n` round trips into `rec`. */
function runtimeRoundTrip(
  style: 'handler' | 'receive-loop',
  rec: LatencyRecorder,
): { run: (n: number) => Promise<number>; close: () => Promise<void> } {
  const rt = new Runtime({ logger: silentLogger });
  let remaining = 0;
  let t0 = 0;
  let settle: () => void = () => {};
  const pong =
    style === 'handler'
      ? rt.spawn({ receive: (from: Pid, ctx) => ctx.send(from, 0) })
      : rt.spawn(async (ctx) => {
          for (;;) ctx.send(await ctx.receive<Pid>(), 0);
        });
  const onPong = (ctx: { self: Pid; send(pid: Pid, msg: unknown): boolean }) => {
    rec.recordSince(t0);
    if (--remaining > 0) {
      t0 = rec.now();
      ctx.send(pong, ctx.self);
    } else settle();
  };
  const ping =
    style === 'handler'
      ? rt.spawn({ receive: (_m: number, ctx) => onPong(ctx) })
      : rt.spawn(async (ctx) => {
          for (;;) {
            await ctx.receive();
            onPong(ctx);
          }
        });
  return {
    run(n) {
      remaining = n;
      const done = new Promise<number>((resolve) => {
        settle = () => resolve(n);
      });
      t0 = rec.now();
      rt.send(pong, ping);
      return done;
    },
    close: async () => {
      await rt.shutdown();
    },
  };
}

export const scenario: Scenario = {
  name: 'pingpong',
  description:
    'handler and receive-loop process pairs on one Runtime bouncing a counter, vs a plain JS queue loop and xstate v5 actors',
  defaults: { pairs: 1, xstateMachine: true, latency: true },
  integers: { pairs: { min: 1 } },
  async run({ seconds, settings, log }) {
    const pairs = settings.pairs as number;
    // All subjects live side by side and take turns (see measureInterleaved), so load drift on a
    // shared machine hits baselines and runtime alike and the ratios stay comparable.
    const xcb = createXstatePingPong(pairs, 'callback');
    const xm = settings.xstateMachine === true ? createXstatePingPong(pairs, 'machine') : undefined;
    const handler = runtimePingPong(pairs, 'handler');
    const receiveLoop = runtimePingPong(pairs, 'receive-loop');
    log(
      `throughput: queue loop, xstate${xm ? ' (callback, machine)' : ''}, handler and receive-loop pairs, interleaved`,
    );
    const subjects: Record<string, BatchFn> = {
      queue: createQueuePingPong(pairs),
      xstateCallback: xcb.batch,
      handler: handler.batch,
      receiveLoop: receiveLoop.batch,
    };
    if (xm !== undefined) subjects.xstateMachine = xm.batch;
    const t = await measureInterleaved(subjects, { seconds });
    const rate = (subject: string): number => t[subject]!.perSecond;
    xcb.stop();
    xm?.stop();
    await handler.close();
    await receiveLoop.close();

    const qBase = { name: 'plain queue loop', value: rate('queue') };
    const xcbBase = { name: 'xstate v5 fromCallback', value: rate('xstateCallback') };
    const xmBase =
      xm === undefined ? undefined : { name: 'xstate v5 createMachine', value: rate('xstateMachine') };
    const metrics: Metric[] = [
      metric(qBase.name, 'msgs/s', qBase.value),
      metric(xcbBase.name, 'msgs/s', xcbBase.value),
    ];
    if (xmBase !== undefined) metrics.push(metric(xmBase.name, 'msgs/s', xmBase.value));
    for (const [style, perSecond] of [
      ['handler', rate('handler')],
      ['receive-loop', rate('receiveLoop')],
    ] as const) {
      const name = `${style} pingpong`;
      metrics.push(compare(`${name} vs queue loop`, 'msgs/s', perSecond, qBase));
      metrics.push(compare(`${name} vs xstate callback`, 'msgs/s', perSecond, xcbBase));
      if (xmBase !== undefined)
        metrics.push(compare(`${name} vs xstate machine`, 'msgs/s', perSecond, xmBase));
    }

    if (settings.latency === true) {
      log('round-trip latency: plain queue loop');
      const qRec = new LatencyRecorder();
      const qrt = createQueueRoundTrip(
        () => qRec.now(),
        (t0) => qRec.recordSince(t0),
      );
      await measureThroughput(qrt, { seconds, afterWarmup: () => qRec.reset() });
      for (const style of ['handler', 'receive-loop'] as const) {
        log(`round-trip latency: ${style}`);
        const rec = new LatencyRecorder();
        const rtt = runtimeRoundTrip(style, rec);
        await measureThroughput(rtt.run, { seconds, afterWarmup: () => rec.reset() });
        await rtt.close();
        metrics.push(
          ...rec.toMetrics(`${style} round trip`, { name: 'queue loop round trip', recorder: qRec }),
        );
      }
    }
    return metrics;
  },
};
