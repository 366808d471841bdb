/**
 * `wasm-spawn`: Wasm actor spawn + exit churn on one thread, against raw
 * `new WebAssembly.Instance` of the same compiled module (with a fresh memory, as a process would
 * need) in the same run. Every actor runs its full life: `init` in the guest (the echo guest
 * spawned with "exit" exits there), `wactor_stop`, and the host's bookkeeping.
 *
 * Variants: isolated with the default instance pool (an instance per live actor, reused after a
 * clean exit), isolated with `pool: 0` (a fresh instance and memory per actor — what raw
 * instantiation measures), and shared (one instance, a slot per actor). A JS handler process
 * living the same life (spawn, exit in `init`) on the same kind of runtime is measured with the
 * pooled and shared variants: the runtime's own spawn/exit cost bounds the Wasm figures.
 * Targets (issue 3): isolated ≥ 50% of raw instantiate; shared ≥ 1M/s.
 */
import { exampleGuestBytes, type HostingMode } from '../../wasm-actors/index.js';
import { wasm } from '../../wasm-actors/wasm-types.js';
import { forceGc } from '../harness/heap.js';
import { compare, metric } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { measureInterleaved } from '../harness/throughput.js';
import { churnBatch, jsHandlerChurn, versusJs, wasmNode } from './_wasm-bench.js';

/** Raw instantiation of the compiled echo module with a fresh capped memory and no-op imports. */
function rawInstantiate(bytes: Uint8Array): (size: number) => number {
  const compiled = new wasm.Module(bytes);
  const noop = () => 0;
  const wactor = new Proxy({}, { get: () => noop });
  return (size) => {
    let sink = 0;
    for (let i = 0; i < size; i++) {
      const memory = new wasm.Memory({ initial: 1, maximum: 256 });
      const inst = new wasm.Instance(compiled, {
        env: { memory, abort: noop, trace: noop, seed: noop },
        wactor,
      });
      sink += inst.exports === undefined ? 0 : 1;
    }
    return sink;
  };
}

/** Echo actors spawned with "exit" (they exit in init), `chunk` at a time. */
function churn(load: { mode: HostingMode; pool?: number }, chunk: number) {
  const node = wasmNode(['echo'], load);
  return { ...node, batch: churnBatch(() => node.host.spawn('echo', 'exit'), chunk) };
}

export const scenario: Scenario = {
  name: 'wasm-spawn',
  description:
    'Wasm actor spawn+exit churn (isolated pooled, isolated fresh, shared) vs raw new WebAssembly.Instance',
  defaults: { chunk: 32 },
  async run({ seconds, settings, log }) {
    const chunk = Number(settings.chunk);
    const pooled = churn({ mode: 'isolated' }, chunk);
    const fresh = churn({ mode: 'isolated', pool: 0 }, chunk);
    const shared = churn({ mode: 'shared' }, 1024);
    const js = jsHandlerChurn(1024);
    try {
      // Two interleaved groups. Fresh instantiations leave dead memories for the GC to reclaim
      // (each a large reservation), which would tax whatever runs next; so raw instantiation
      // and the fresh-instance variant take turns with each other, then — after a full GC — the
      // pooled and shared variants take turns.
      const fresher = await measureInterleaved(
        { raw: rawInstantiate(exampleGuestBytes('echo')), fresh: fresh.batch },
        { seconds, initialBatch: 16 },
      );
      forceGc();
      const reusing = await measureInterleaved(
        { pooled: pooled.batch, shared: shared.batch, js: js.batch },
        { seconds, initialBatch: 64 },
      );
      const r = { ...fresher, ...reusing };
      const created = (c: typeof pooled) => c.host.stats().modules.echo?.instancesCreated ?? 0;
      log(
        `raw ${Math.round(r.raw.perSecond)}/s; isolated pooled ${Math.round(r.pooled.perSecond)}/s (${created(pooled)} instances), pool 0 ${Math.round(r.fresh.perSecond)}/s (${created(fresh)}), shared ${Math.round(r.shared.perSecond)}/s; js handler ${Math.round(r.js.perSecond)}/s`,
      );
      const baseline = { name: 'raw WebAssembly.Instance', value: r.raw.perSecond };
      return [
        metric('raw WebAssembly.Instance', 'instances/s', r.raw.perSecond),
        compare('spawn+exit (isolated, pooled)', 'actors/s', r.pooled.perSecond, baseline),
        compare('spawn+exit (isolated, pool 0)', 'actors/s', r.fresh.perSecond, baseline),
        compare('spawn+exit (shared)', 'actors/s', r.shared.perSecond, baseline),
        // The runtime's own cost for the same life: what a Wasm actor's spawn can at best approach.
        ...versusJs('js handler spawn+init+exit', 'actors/s', r.js.perSecond, {
          'spawn+exit (shared) vs JS handler': r.shared.perSecond,
        }),
      ];
    } finally {
      await Promise.all([pooled.close(), fresh.close(), shared.close(), js.close()]);
    }
  },
};
