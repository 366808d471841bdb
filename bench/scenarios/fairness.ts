/**
 * `fairness`: how much a hogging actor hurts others. Hog actors run long (but shorter than the
 * watchdog's `maxHandlerMs`) handlers back to back on shard 0; bystander actors answer round
 * trips from the main thread, one on shard 0 and one on shard 1. Reported: each bystander's
 * round trips/s with the hogs running, against the same bystander with no hogs (same run).
 * Handlers are never preempted and a shard's runtime looks at its rings again only after
 * `reductions × turnsPerTick` handler calls (4096 by default), so the shard-0 bystander waits
 * behind the hogs while the shard-1 bystander should keep its pace: that is the isolation shards buy.
 *
 * This file is also the JS actor module the shards load (its default export).
 */
import { silentLogger } from '../../runtime/logger.js';
import type { Context, Pid } from '../../runtime/types.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { compare } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { measureThroughput } from '../harness/throughput.js';

/** `{ hog: ms }` busy-waits `ms` then sends itself the next hog; `{ echo: pid }` answers at once. */
const actor = {
  receive(msg: { hog?: number; echo?: Pid }, ctx: Context): void {
    if (msg.hog !== undefined) {
      const until = performance.now() + msg.hog;
      while (performance.now() < until) {}
      ctx.send(ctx.self, msg);
      return;
    }
    if (msg.echo !== undefined) ctx.send(msg.echo, 1);
  },
};
export default actor;

async function bystanders(hogs: number, hogMs: number, seconds: number): Promise<[number, number]> {
  const s = new Scheduler({ shards: 2, logger: silentLogger, maxHandlerMs: 10_000 });
  try {
    const mod = { module: new URL(import.meta.url) };
    // Spawn everything before the hogs start: a hogged shard takes new work only between turns.
    const hogPids = Array.from({ length: hogs }, () => s.spawn(mod, { placement: { shard: 0 } }));
    const echoes = [0, 1].map((shard) => s.spawn(mod, { placement: { shard } }));
    for (const pid of hogPids) s.send(pid, { hog: hogMs });
    const rates: number[] = [];
    for (const echo of echoes) {
      let left = 0;
      let settle: () => void = () => {};
      const me = s.spawn({
        receive() {
          if (--left === 0) settle();
          else s.send(echo as Pid, { echo: me });
        },
      });
      const r = await measureThroughput(
        (n) => {
          left = n;
          const done = new Promise<void>((resolve) => {
            settle = resolve;
          });
          s.send(echo as Pid, { echo: me });
          return done;
        },
        { seconds, initialBatch: 1, minBatchMs: 100 },
      );
      rates.push(r.perSecond);
    }
    return [rates[0] as number, rates[1] as number];
  } finally {
    await s.destroy();
  }
}

export const scenario: Scenario = {
  name: 'fairness',
  description:
    'round trips/s of bystander actors on the hogged shard and on another shard while hog actors run long handlers on shard 0, vs no hogs',
  defaults: { hogs: 2, hogMs: 0.05 },
  async run({ seconds, settings, log }): Promise<Metric[]> {
    const per = seconds / 4;
    log('no hogs');
    const [quiet0, quiet1] = await bystanders(0, Number(settings.hogMs), per);
    log('with hogs');
    const [busy0, busy1] = await bystanders(Number(settings.hogs), Number(settings.hogMs), per);
    return [
      compare('bystander on the hogged shard', 'round trips/s', busy0, {
        name: 'same, no hogs',
        value: quiet0,
      }),
      compare('bystander on another shard', 'round trips/s', busy1, { name: 'same, no hogs', value: quiet1 }),
    ];
  },
};
