/**
 * `wasm-spawn`: Wasm actor spawn + exit churn on one thread, against raw
 * `new WebAssembly.Instance` of the same compiled module (with a fresh memory, as a process would
 * need) in the same run. Every actor runs its full life: `init` in the guest (the echo guest
 * spawned with "exit" exits there), `wactor_stop`, and the host's bookkeeping.
 *
 * Variants: isolated with the default instance pool (an instance per live actor, reused after a
 * clean exit), isolated with `pool: 0` (a fresh instance and memory per actor — what raw
 * instantiation measures), and shared (one instance, a slot per actor).
 * Targets (issue 3): isolated ≥ 50% of raw instantiate; shared ≥ 1M/s.
 */
import { Runtime, silentLogger } from '../../runtime/index.js';
import { exampleGuestBytes, WasmHost } from '../../wasm-actors/index.js';
import { wasm } from '../../wasm-actors/wasm-types.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { measureThroughput } from '../harness/throughput.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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

/** Spawn actors that exit in init, `chunk` at a time, letting each chunk run to its end. */
function churn(options: { mode: 'isolated' | 'shared'; pool?: number; chunk: number }) {
  const rt = new Runtime({ logger: silentLogger });
  const host = new WasmHost(rt, { logger: silentLogger });
  host.loadSync('echo', exampleGuestBytes('echo'), {
    mode: options.mode,
    ...(options.pool === undefined ? {} : { pool: options.pool }),
  });
  return {
    batch: async (size: number): Promise<number> => {
      for (let done = 0; done < size; ) {
        const n = Math.min(options.chunk, size - done);
        for (let i = 0; i < n; i++) host.spawn('echo', 'exit');
        done += n;
        // The run queue drains in a microtask: after one turn every spawned actor has ended.
        await nextTurn();
      }
      return size;
    },
    host,
    close: async () => {
      host.close();
      await rt.shutdown();
    },
  };
}

export const scenario: Scenario = {
  name: 'wasm-spawn',
  description:
    'Wasm actor spawn+exit churn (isolated pooled, isolated fresh, shared) vs raw new WebAssembly.Instance',
  defaults: { chunk: 32 },
  async run({ seconds, settings, log }) {
    const chunk = Number(settings.chunk);
    const raw = await measureThroughput(rawInstantiate(exampleGuestBytes('echo')), {
      seconds,
      initialBatch: 16,
    });
    log(`raw new WebAssembly.Instance: ${Math.round(raw.perSecond)}/s`);
    const baseline = { name: 'raw WebAssembly.Instance', value: raw.perSecond };
    const metrics: Metric[] = [metric('raw WebAssembly.Instance', 'instances/s', raw.perSecond)];
    const variants = [
      { label: 'isolated, pooled', mode: 'isolated', chunk },
      { label: 'isolated, pool 0', mode: 'isolated', pool: 0, chunk },
      { label: 'shared', mode: 'shared', chunk: 1024 },
    ] as const;
    for (const v of variants) {
      const c = churn(v);
      const r = await measureThroughput(c.batch, { seconds, initialBatch: 64 });
      const created = c.host.stats().modules.echo?.instancesCreated ?? 0;
      await c.close();
      log(`${v.label}: ${Math.round(r.perSecond)} spawn+exit/s (${created} instances created)`);
      metrics.push(compare(`spawn+exit (${v.label})`, 'actors/s', r.perSecond, baseline));
    }
    return metrics;
  },
};
