/**
 * `wasm-live`: how many idle Wasm actors fit, per hosting mode, and what each costs: JS heap per
 * actor (process record + host record, after a forced GC) and guest linear memory per actor.
 * Isolated mode gives each actor an instance and a memory (V8 reserves a large virtual range per
 * memory: ~13k live instances is the measured ceiling per process, see DESIGN.md); shared mode
 * keeps many actors' state in one instance. A JS handler process is the baseline.
 */
import { Runtime, silentLogger } from '../../runtime/index.js';
import { exampleGuestBytes, WasmHost, wasmRequest } from '../../wasm-actors/index.js';
import { forceGc, heapUsed } from '../harness/heap.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { nextTurn } from '../harness/throughput.js';

interface Fill {
  readonly count: number;
  readonly heapPerActor: number;
  readonly memoryPerActor: number;
  readonly perSecond: number;
}

async function fill(
  count: number,
  mode: 'isolated' | 'shared' | 'js',
  log: (line: string) => void,
): Promise<Fill> {
  const rt = new Runtime({ logger: silentLogger });
  const host = new WasmHost(rt, { logger: silentLogger, inboxBytes: 64 });
  if (mode !== 'js') {
    host.loadSync('counter', exampleGuestBytes('counter'), {
      mode,
      grants: { maxMemoryPages: mode === 'isolated' ? 2 : 1024 },
      actorsPerInstance: 1 << 20,
    });
  }
  forceGc();
  const before = heapUsed();
  const started = performance.now();
  let last = 0;
  let n = 0;
  try {
    for (; n < count; n++) {
      last = mode === 'js' ? rt.spawn({ receive() {} }) : host.spawn('counter');
      if ((n & 4095) === 4095) await nextTurn();
    }
  } catch (err) {
    log(`${mode}: stopped at ${n} actors: ${(err as Error).message}`);
  }
  // Wait until the last one has run its init (the run queue is FIFO), proven by a reply.
  if (mode !== 'js') {
    let replied = false;
    const probe = rt.spawn({ receive: () => void (replied = true) });
    rt.send(last, wasmRequest(probe, 'get'));
    while (!replied) await nextTurn();
  } else {
    await nextTurn();
  }
  const elapsed = (performance.now() - started) / 1000;
  forceGc();
  const heap = heapUsed() - before;
  const memory = mode === 'js' ? 0 : (host.stats().modules.counter?.memoryBytes ?? 0);
  await host.close();
  await rt.shutdown();
  return { count: n, heapPerActor: heap / n, memoryPerActor: memory / n, perSecond: n / elapsed };
}

export const scenario: Scenario = {
  name: 'wasm-live',
  description:
    'idle Wasm actors per mode (isolated, shared): count reached, JS heap and linear memory per actor, vs JS handler processes',
  defaults: { isolated: 10_000, shared: 1_000_000 },
  async run({ settings, log }) {
    const metrics: Metric[] = [];
    const js = await fill(Number(settings.shared), 'js', log);
    log(`js: ${js.count} processes, ${Math.round(js.heapPerActor)} B heap each`);
    metrics.push(metric('js handler process heap', 'bytes/actor', js.heapPerActor));
    const jsBase = { name: 'js handler process heap', value: js.heapPerActor };
    for (const mode of ['isolated', 'shared'] as const) {
      const r = await fill(Number(settings[mode]), mode, log);
      log(
        `${mode}: ${r.count} live, ${Math.round(r.heapPerActor)} B heap + ${Math.round(r.memoryPerActor)} B linear memory each, ${Math.round(r.perSecond)} spawned/s`,
      );
      metrics.push(metric(`${mode}: live actors reached`, 'actors', r.count));
      metrics.push(compare(`${mode}: JS heap`, 'bytes/actor', r.heapPerActor, jsBase));
      metrics.push(metric(`${mode}: linear memory`, 'bytes/actor', r.memoryPerActor));
      metrics.push(metric(`${mode}: spawn rate while filling`, 'actors/s', r.perSecond));
    }
    return metrics;
  },
};
