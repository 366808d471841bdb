/**
 * `wasm-pingpong`: two Wasm actors on one thread bouncing a message (the `ping` and `pong`
 * guests from assembly/, isolated and shared hosting) against two JS handler processes doing
 * the same hops on the same kind of `Runtime`, in the same run. Every delivered message counts.
 * Needs the guests built (`npm run build:as`).
 */
import { type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import {
  examplePingArgs,
  exampleGuestBytes as guestBytes,
  type HostingMode,
  WasmHost,
} from '../../wasm-actors/index.js';
import { compare, metric } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { measureInterleaved } from '../harness/throughput.js';

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
      const ping = host.spawn('ping', examplePingArgs(pong, report, rounds, inflight));
      return done.then((n) => {
        rt.exit(ping, 'normal');
        return n;
      });
    },
    close: async () => {
      await host.close();
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
    const js = jsPingPong();
    const isolated = wasmPingPong('isolated', inflight);
    const shared = wasmPingPong('shared', inflight);
    try {
      // Interleaved: the baseline and both modes take turns, so load drift hits all alike.
      const r = await measureInterleaved(
        { js: js.batch, isolated: isolated.batch, shared: shared.batch },
        { seconds, initialBatch: 1024 },
      );
      log(
        `js ${Math.round(r.js.perSecond)}, isolated ${Math.round(r.isolated.perSecond)}, shared ${Math.round(r.shared.perSecond)} msgs/s`,
      );
      const base = { name: 'js handler ping-pong', value: r.js.perSecond };
      return [
        metric('js handler ping-pong', 'msgs/s', r.js.perSecond),
        compare('wasm ping-pong (isolated)', 'msgs/s', r.isolated.perSecond, base),
        compare('wasm ping-pong (shared)', 'msgs/s', r.shared.perSecond, base),
      ];
    } finally {
      await Promise.all([js.close(), isolated.close(), shared.close()]);
    }
  },
};
