/**
 * `spawn`: how fast empty handler processes come and go on one `Runtime`, and how small an idle
 * one is. Baselines in the same run: xstate v5 callback actors created, started and stopped, and
 * the heap per idle started xstate actor.
 *
 * Heap figures need a forced full GC (see harness/heap.ts); the result says whether one was
 * available (`machine.gcAvailable`).
 */
import { type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import { startIdleXstateActors, xstateSpawnChurn } from '../harness/baselines/xstate.js';
import { forceGc, heapUsed } from '../harness/heap.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { measureInterleaved, nextTurn } from '../harness/throughput.js';

const GIB = 2 ** 30;

/** The process every churn and idle measurement spawns: it ignores whatever it receives. */
const empty = { receive() {} };

/** Spawn + exit from outside: `size` processes that never get to run. */
function churnBatch(rt: Runtime): (size: number) => Promise<number> {
  return async (size) => {
    for (let i = 0; i < size; i++) rt.exit(rt.spawn(empty), 'normal');
    // Dead entries left in the run queue are skipped by the next drain: include that cost.
    await nextTurn();
    return size;
  };
}

/** Spawn processes whose `init` ends them: each is scheduled, runs once and is reaped. */
function selfExitBatch(rt: Runtime): (size: number) => Promise<number> {
  const selfExiting = {
    init(ctx: { exit(): void }) {
      ctx.exit();
    },
    receive() {},
  };
  return async (size) => {
    for (let i = 0; i < size; i++) rt.spawn(selfExiting);
    while (rt.stats().processes > 0) await nextTurn();
    return size;
  };
}

/**
 * Spawn `count` idle handler processes and wait until every one has run its start (the last
 * spawned one reports in; the run queue is FIFO). Returns bytes of heap per process after a GC.
 */
async function idleHeap(
  count: number,
  log: (line: string) => void,
): Promise<{ perProcess: number; total: number; perSecond: number }> {
  const rt = new Runtime({ logger: silentLogger });
  forceGc();
  const before = heapUsed();
  const t0 = performance.now();
  let lastStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    lastStarted = resolve;
  });
  for (let i = 1; i < count; i++) rt.spawn(empty);
  const last: Pid = rt.spawn({ init: () => lastStarted(), receive() {} });
  await started;
  const elapsed = (performance.now() - t0) / 1000;
  forceGc();
  const total = heapUsed() - before;
  log(`${count} idle processes alive: ${rt.stats().processes} (last pid ${last})`);
  if (rt.stats().processes !== count)
    throw new Error(`expected ${count} live processes, found ${rt.stats().processes}`);
  await rt.shutdown();
  return { perProcess: total / count, total, perSecond: count / elapsed };
}

function idleXstateHeap(count: number): number {
  forceGc();
  const before = heapUsed();
  const actors = startIdleXstateActors(count);
  forceGc();
  const perActor = (heapUsed() - before) / count;
  actors.stop();
  return perActor;
}

export const scenario: Scenario = {
  name: 'spawn',
  description: 'spawn+exit churn of empty handler processes and heap per idle process, vs xstate v5 actors',
  defaults: { idle: 1_000_000, xstateIdle: 100_000 },
  integers: { idle: { min: 1 }, xstateIdle: { min: 1 } },
  async run({ seconds, settings, log }) {
    const idle = settings.idle as number;
    const xstateIdle = settings.xstateIdle as number;
    log('spawn churn: xstate create+start+stop, spawn+exit, spawn+init+self-exit, interleaved');
    const churnRt = new Runtime({ logger: silentLogger });
    const selfExitRt = new Runtime({ logger: silentLogger });
    const t = await measureInterleaved(
      { xstate: xstateSpawnChurn, churn: churnBatch(churnRt), selfExit: selfExitBatch(selfExitRt) },
      { seconds },
    );
    await churnRt.shutdown();
    await selfExitRt.shutdown();
    const xBase = { name: 'xstate v5 create+start+stop', value: t.xstate.perSecond };

    log(`${xstateIdle} idle xstate actors`);
    const xPer = idleXstateHeap(xstateIdle);

    log(`${idle} idle handler processes`);
    const heap = await idleHeap(idle, log);

    const metrics: Metric[] = [
      metric(xBase.name, 'spawns/s', xBase.value),
      compare('spawn+exit churn', 'spawns/s', t.churn.perSecond, xBase),
      compare('spawn+init+self-exit churn', 'spawns/s', t.selfExit.perSecond, xBase),
      metric('xstate v5 idle actor heap', 'bytes', xPer),
      compare('idle handler process heap', 'bytes', heap.perProcess, {
        name: 'xstate v5 idle actor heap',
        value: xPer,
      }),
      metric(`heap for ${idle} idle processes`, 'MiB', heap.total / 2 ** 20),
      metric(`${idle} idle processes fit in 1 GiB heap`, 'yes=1', heap.total < GIB ? 1 : 0),
      metric('idle spawn rate (until all started)', 'spawns/s', heap.perSecond),
    ];
    return metrics;
  },
};
