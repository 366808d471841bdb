/**
 * `wasm-pingpong`: two Wasm actors on one thread bouncing a message (the `ping` and `pong`
 * guests from assembly/, isolated and shared hosting) against two JS handler processes doing
 * the same hops on the same kind of `Runtime`, in the same run. Every delivered message counts.
 * Needs the guests built (`npm run build:as`).
 */
import { type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import { exampleGuestBytes as guestBytes, type HostingMode, WasmHost } from '../../wasm-actors/index.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { measureThroughput } from '../harness/throughput.js';

function pingArgs(pong: Pid, report: Pid, rounds: number, inflight: number): Uint8Array {
  const dv = new DataView(new ArrayBuffer(24));
  dv.setFloat64(0, pong, true);
  dv.setFloat64(8, report, true);
  dv.setUint32(16, rounds, true);
  dv.setUint32(20, inflight, true);
  return new Uint8Array(dv.buffer);
}

interface PingPong {
  readonly batch: (size: number) => Promise<number>;
  readonly close: () => Promise<void>;
}

/** A Wasm ping/pong pair; each batch spawns a fresh ping that does `size / 2` round trips. */
function wasmPingPong(mode: HostingMode, inflight: number): PingPong {
  const rt = new Runtime({ logger: silentLogger });
  const host = new WasmHost(rt, { logger: silentLogger });
  host.loadSync('ping', guestBytes('ping'), { mode });
  host.loadSync('pong', guestBytes('pong'), { mode });
  const pong = host.spawn('pong');
  let settle: () => void = () => {};
  const report = rt.spawn({ receive: () => settle() });
  return {
    batch(size) {
      const rounds = Math.max(inflight, Math.ceil(size / 2));
      const done = new Promise<number>((resolve) => {
        settle = () => resolve(rounds * 2);
      });
      const ping = host.spawn('ping', pingArgs(pong, report, rounds, inflight));
      return done.then((n) => {
        rt.exit(ping, 'normal');
        return n;
      });
    },
    close: async () => {
      host.close();
      await rt.shutdown();
    },
  };
}

/** The same hops between two JS handler processes (a counter bounced until the limit). */
function jsPingPong(): PingPong {
  const rt = new Runtime({ logger: silentLogger });
  let limit = 0;
  let settle: () => void = () => {};
  const pair = { a: 0, b: 0 };
  const make = (peer: () => Pid) =>
    rt.spawn({
      receive(n: number, ctx) {
        if (n < limit) ctx.send(peer(), n + 1);
        else settle();
      },
    });
  pair.a = make(() => pair.b);
  pair.b = make(() => pair.a);
  return {
    batch(size) {
      limit = size;
      const done = new Promise<number>((resolve) => {
        settle = () => resolve(limit);
      });
      rt.send(pair.a, 1);
      return done;
    },
    close: () => rt.shutdown().then(() => undefined),
  };
}

export const scenario: Scenario = {
  name: 'wasm-pingpong',
  description:
    'two Wasm actors (ping/pong guests) on one thread, isolated and shared, vs two JS handler processes',
  defaults: { inflight: 1 },
  async run({ seconds, settings, log }) {
    const inflight = Number(settings.inflight);
    const metrics: Metric[] = [];
    const js = jsPingPong();
    const base = await measureThroughput(js.batch, { seconds, initialBatch: 1024 });
    await js.close();
    log(`js handler ping-pong: ${Math.round(base.perSecond)} msgs/s`);
    metrics.push(metric('js handler ping-pong', 'msgs/s', base.perSecond));
    for (const mode of ['isolated', 'shared'] as const) {
      const pp = wasmPingPong(mode, inflight);
      const r = await measureThroughput(pp.batch, { seconds, initialBatch: 1024 });
      await pp.close();
      log(`wasm ping-pong (${mode}): ${Math.round(r.perSecond)} msgs/s`);
      metrics.push(
        compare(`wasm ping-pong (${mode})`, 'msgs/s', r.perSecond, {
          name: 'js handler ping-pong',
          value: base.perSecond,
        }),
      );
    }
    return metrics;
  },
};
