/**
 * `wasm-pingpong`: two Wasm actors on one thread bouncing a message (the `ping` and `pong`
 * guests from assembly/, isolated and shared hosting) against two JS handler processes doing
 * the same hops on the same kind of `Runtime`, in the same run. Every delivered message counts.
 * Needs the guests built (`npm run build:as`).
 */
import { examplePingArgs, type HostingMode } from '../../wasm-actors/index.js';
import { metric } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { measureInterleaved } from '../harness/throughput.js';
import { jsHandlerPingPong, type Subject, versusJs, wasmNode } from './_wasm-bench.js';

/** A Wasm ping/pong pair; each batch spawns a fresh ping that does `size / 2` round trips. */
function wasmPingPong(mode: HostingMode, inflight: number): Subject {
  const { rt, host, close } = wasmNode(['ping', 'pong'], { mode });
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
    close,
  };
}

export const scenario: Scenario = {
  name: 'wasm-pingpong',
  description:
    'two Wasm actors (ping/pong guests) on one thread, isolated and shared, vs two JS handler processes',
  defaults: { inflight: 1 },
  async run({ seconds, settings, log }) {
    const inflight = Number(settings.inflight);
    const js = jsHandlerPingPong();
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
      return [
        metric('js handler ping-pong', 'msgs/s', r.js.perSecond),
        ...versusJs('js handler ping-pong', 'msgs/s', r.js.perSecond, {
          'wasm ping-pong (isolated)': r.isolated.perSecond,
          'wasm ping-pong (shared)': r.shared.perSecond,
        }),
      ];
    } finally {
      await Promise.all([js.close(), isolated.close(), shared.close()]);
    }
  },
};
