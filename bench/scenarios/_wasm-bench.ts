/**
 * What the `wasm-*` scenarios share: a runtime with a Wasm host on it, the JS handler processes
 * doing the same work as the guests (the same-run baseline every Wasm figure is reported
 * against), and the chunked spawn churn loop both sides run.
 *
 * Not a scenario: discovery skips files whose name starts with `_` (harness/discover.ts).
 */
import { type Context, type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import { type ExampleGuest, exampleGuestBytes, type HostingMode, WasmHost } from '../../wasm-actors/index.js';
import { compare } from '../harness/result.js';
import type { Metric } from '../harness/scenario.js';

import { nextTurn } from '../harness/throughput.js';

/** A quiet runtime with a Wasm host on it that has loaded the named example guests in `mode`. */
export function wasmNode(
  guests: readonly ExampleGuest[],
  load: { readonly mode: HostingMode; readonly pool?: number },
): { readonly rt: Runtime; readonly host: WasmHost; readonly close: () => Promise<void> } {
  const rt = new Runtime({ logger: silentLogger });
  const host = new WasmHost(rt, { logger: silentLogger });
  for (const name of guests) host.loadSync(name, exampleGuestBytes(name), load);
  return {
    rt,
    host,
    close: async () => {
      await host.close();
      await rt.shutdown();
    },
  };
}

/** A batch function for `measureInterleaved` and its cleanup. */
export interface Subject {
  readonly batch: (size: number) => Promise<number>;
  readonly close: () => Promise<void>;
}

/**
 * Spawn `size` processes with `spawnOne`, `chunk` at a time, letting each chunk run to its end
 * (every spawned process here exits in its `init`, so one turn reaps the whole chunk).
 */
export function churnBatch(spawnOne: () => unknown, chunk: number): (size: number) => Promise<number> {
  return async (size) => {
    for (let done = 0; done < size; ) {
      const n = Math.min(chunk, size - done);
      for (let i = 0; i < n; i++) spawnOne();
      done += n;
      await nextTurn();
    }
    return size;
  };
}

/** JS handler processes living a spawn-churn actor's life: spawned, `init` exits, torn down. */
export function jsHandlerChurn(chunk: number): Subject {
  const rt = new Runtime({ logger: silentLogger });
  const behaviour = {
    init(ctx: Context) {
      ctx.exit('normal');
    },
    receive() {},
  };
  return {
    batch: churnBatch(() => rt.spawn(behaviour), chunk),
    close: () => rt.shutdown().then(() => undefined),
  };
}

/** Two JS handler processes bouncing a counter: the same hops as the ping/pong guests. */
export function jsHandlerPingPong(): Subject {
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

/**
 * Wasm figures against the JS handler baseline of the same run: one compared metric per entry,
 * named exactly as the key. End keys with ` vs JS handler`: a scenario also compares the same
 * Wasm figure against its raw baseline, and two metrics of one name would collide in the report.
 *
 * @example
 * versusJs('js handler ping-pong', 'msgs/s', r.js.perSecond, {
 *   'wasm ping-pong (shared) vs JS handler': r.shared.perSecond,
 * });
 */
export function versusJs(
  baselineName: string,
  unit: string,
  js: number,
  wasm: Readonly<Record<string, number>>,
): Metric[] {
  const base = { name: baselineName, value: js };
  return Object.entries(wasm).map(([name, value]) => compare(name, unit, value, base));
}
