/**
 * `restart`: children of a `rt.supervise` one_for_one supervisor crashing in `init` (a thrown
 * Error) and being restarted, over and over; restarts/s. Baseline in the same run: the floor of
 * any restart — a plain JS loop that creates a child object, lets its init throw, catches it and
 * creates the next one.
 *
 * Both are measured twice: throwing a fresh `Error` per crash (what real code does; capturing the
 * stack costs a few µs, which dominates) and re-throwing one pre-built Error (the cost of the
 * restart machinery alone).
 */
import { Runtime, silentLogger } from '../../runtime/index.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { measureInterleaved } from '../harness/throughput.js';

/** How a crashing child makes its error. */
type MakeError = (child: number) => unknown;

const freshError: MakeError = (child) => new Error(`child ${child} crashed`);
const prebuilt = new Error('child crashed');
const prebuiltError: MakeError = () => prebuilt;

class PlainChild {
  readonly id: number;
  readonly #makeError: MakeError;
  constructor(id: number, makeError: MakeError) {
    this.id = id;
    this.#makeError = makeError;
  }
  init(): void {
    throw this.#makeError(this.id);
  }
}

/** The baseline: create, init (throws), catch, repeat. */
function plainRestarts(makeError: MakeError): (size: number) => number {
  return (size) => {
    let restarts = 0;
    for (let i = 0; i < size; i++) {
      try {
        new PlainChild(i, makeError).init();
      } catch {
        restarts++;
      }
    }
    return restarts;
  };
}

/**
 * A supervisor with `children` children. A batch lets the children crash `size` times in total:
 * the first crash of each child is a message it throws on, every restarted child throws from
 * `init` while crashes remain, and the batch settles when every child has started quietly.
 */
function supervisedCrashLoop(
  children: number,
  makeError: MakeError,
): {
  batch: (size: number) => Promise<number>;
  close: () => Promise<void>;
  crashes: () => number;
} {
  const rt = new Runtime({ logger: silentLogger });
  let crashes = 0;
  rt.on('crash', () => {
    crashes++;
  });
  let remaining = 0;
  let quiet = 0;
  let settle: () => void = () => {};
  const current: number[] = new Array(children).fill(0);
  rt.supervise({
    strategy: 'one_for_one',
    // Never give up: the window is 1 ms, so the budget only counts restarts within one ms.
    maxRestarts: Number.MAX_SAFE_INTEGER,
    withinMs: 1,
    children: Array.from({ length: children }, (_, i) => ({
      id: `child-${i}`,
      start: (node: Runtime) =>
        node.spawn({
          init(ctx) {
            current[i] = ctx.self;
            if (remaining > 0) {
              remaining--;
              throw makeError(i);
            }
            if (++quiet === children) settle();
          },
          receive() {
            throw makeError(i);
          },
        }),
    })),
  });
  return {
    async batch(size) {
      // Wait for the children's first start (only matters for the first batch).
      while (quiet < children) await new Promise((r) => setImmediate(r));
      const n = Math.max(size, children);
      remaining = n - children;
      quiet = 0;
      const done = new Promise<number>((resolve) => {
        settle = () => resolve(n);
      });
      for (const pid of current) rt.send(pid, 'crash');
      return done;
    },
    close: async () => {
      await rt.shutdown();
    },
    crashes: () => crashes,
  };
}

export const scenario: Scenario = {
  name: 'restart',
  description: 'one_for_one supervised children crashing and restarting, vs a plain try/catch re-create loop',
  defaults: { children: 1 },
  integers: { children: { min: 1 } },
  async run({ seconds, settings, log }) {
    const children = settings.children as number;
    const metrics: Metric[] = [];
    for (const [label, makeError] of [
      ['fresh Error', freshError],
      ['pre-built Error', prebuiltError],
    ] as const) {
      log(`plain try/catch loop and supervisor with ${children} crashing children, ${label}, interleaved`);
      const loop = supervisedCrashLoop(children, makeError);
      const r = await measureInterleaved(
        { plain: plainRestarts(makeError), supervised: loop.batch },
        { seconds },
      );
      await loop.close();
      const plain = r.plain;
      const t = r.supervised;
      // Every counted restart followed a crash the runtime reported: the loop measured what it says.
      if (loop.crashes() < t.ops) throw new Error(`saw ${loop.crashes()} crashes for ${t.ops} restarts`);
      const baseline = { name: `plain try/catch loop, ${label}`, value: plain.perSecond };
      metrics.push(metric(baseline.name, 'restarts/s', plain.perSecond));
      metrics.push(compare(`supervised restarts, ${label}`, 'restarts/s', t.perSecond, baseline));
    }
    return metrics;
  },
};
