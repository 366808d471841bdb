import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { makePid } from '../../runtime/pid.js';
import { Runtime } from '../../runtime/runtime.js';
import type { Pid } from '../../runtime/types.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { eventually } from '../helpers/eventually.js';
import { readyAgent } from './helpers.js';

let s: Scheduler | undefined;
let rt: Runtime | undefined;
afterEach(async () => {
  await s?.destroy();
  await rt?.shutdown();
  s = undefined;
  rt = undefined;
});

/** What a call did: its return value, or the message it threw. */
function outcome(call: () => unknown): string {
  try {
    return `returned ${JSON.stringify(call())}`;
  } catch (err) {
    return `threw ${(err as Error).message}`;
  }
}

describe('Scheduler.isAlive from the main thread', () => {
  it('is exact for a pid spawned inside a shard by another process, and false right after its exit', async () => {
    const sched = new Scheduler({ shards: 2, logger: silentLogger });
    s = sched;
    const { c, agent: a } = await readyAgent(sched, 1);
    sched.send(a, { cmd: 'spawn' });
    const child = await eventually(() => {
      const m = c.inbox.find((x) => (x as { spawned?: Pid }).spawned !== undefined);
      if (m === undefined) throw new Error('no spawn report yet');
      return m as { spawned: Pid };
    });
    expect(sched.isAlive(child.spawned)).toBe(true);
    // The exit travels on the same ring as the question, ahead of it: no stale `true`.
    sched.exit(child.spawned, 'done');
    expect(sched.isAlive(child.spawned)).toBe(false);
    expect(sched.isAlive(a)).toBe(true);
    sched.exit(a, 'done');
    expect(sched.isAlive(a)).toBe(false);
  });

  it('is false for a never-spawned pid of a running shard, a pid of no running shard, a non-pid, and after destroy', async () => {
    const sched = new Scheduler({ shards: 1, logger: silentLogger });
    s = sched;
    const [slot] = sched.slots();
    const live = sched.spawn({ module: new URL('./fixtures/agent.mjs', import.meta.url) });
    expect(sched.isAlive(makePid(slot as number, 999_999))).toBe(false);
    expect(sched.isAlive(makePid(700, 1))).toBe(false);
    expect(sched.isAlive('x' as unknown as Pid)).toBe(false);
    expect(sched.isAlive(live)).toBe(true);
    await sched.destroy();
    expect(sched.isAlive(live)).toBe(false);
  });
});

describe("the scheduler applies the Runtime's argument rules, in the Runtime's words", () => {
  it('names, sendNamed and trapExit behave as on a Runtime for the same bad input', async () => {
    rt = new Runtime({ logger: silentLogger });
    const sched = new Scheduler({ shards: 1, logger: silentLogger });
    s = sched;
    const rtPid = rt.spawn({ receive() {} });
    // A pid on a shard (not the main thread), so every call takes the cross-thread path.
    const shardPid = sched.spawn({ module: new URL('./fixtures/agent.mjs', import.meta.url) });
    const calls: [string, (n: Runtime | Scheduler, pid: Pid) => unknown][] = [
      ['register a number', (n, pid) => n.register(5 as unknown as string, pid)],
      ['register the empty name', (n, pid) => n.register('', pid)],
      ['register a bad name and a bad pid', (n) => n.register('', 'p' as unknown as Pid)],
      ['register a bad pid', (n) => n.register('x', 'p' as unknown as Pid)],
      ['unregister a number', (n) => n.unregister(7 as unknown as string)],
      ['whereis the empty name', (n) => n.whereis('')],
      ['sendNamed the empty name', (n) => n.sendNamed('', 1)],
      ['sendNamed a number', (n) => n.sendNamed(7 as unknown as string, 1)],
      ['trapExit a non-pid', (n) => n.trapExit('p' as unknown as Pid, true)],
      ['trapExit with a non-boolean', (n, pid) => n.trapExit(pid, 'yes' as unknown as boolean)],
    ];
    for (const [what, call] of calls) {
      expect(`${what}: ${outcome(() => call(sched, shardPid))}`).toBe(
        `${what}: ${outcome(() => call(rt as Runtime, rtPid))}`,
      );
    }
    // Only `true` turns trapping on, on a shard as on a Runtime.
    expect(rt.info(rtPid)?.trapExit).toBe(false);
    expect((await sched.info(shardPid))?.trapExit).toBe(false);
    sched.trapExit(shardPid, true);
    expect((await sched.info(shardPid))?.trapExit).toBe(true);
  });
});
