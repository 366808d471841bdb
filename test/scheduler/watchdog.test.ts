import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { shardOf } from '../../runtime/pid.js';
import type { MonitorRef, Pid } from '../../runtime/types.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { eventually } from '../helpers/eventually.js';
import { AGENT, agent, collector, RECEIVE_LOOP } from './helpers.js';

let s: Scheduler | undefined;
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

/** Round-trip one message through `echoer` and wait for it. */
async function roundTrip(
  sched: Scheduler,
  inbox: unknown[],
  echoer: Pid,
  to: Pid,
  body: string,
): Promise<void> {
  sched.send(echoer, { cmd: 'echo', to, body });
  await eventually(() => expect(inbox).toContain(body), { timeout: 5000 });
}

/**
 * A 2-shard scheduler (maxHandlerMs 300) with a ready receive-loop actor (fixtures/receive-loop.mjs)
 * on shard 0, monitored by a collector.
 */
async function monitoredLooper(): Promise<{
  sched: Scheduler;
  c: { pid: Pid; inbox: unknown[] };
  looper: Pid;
  ref: MonitorRef;
}> {
  const sched = new Scheduler({ shards: 2, maxHandlerMs: 300, logger: silentLogger });
  s = sched;
  const c = collector(sched);
  const looper = sched.spawn({ module: RECEIVE_LOOP }, { placement: { shard: 0 } });
  sched.send(looper, { to: c.pid });
  await eventually(() => expect(c.inbox).toContainEqual({ ready: looper }));
  return { sched, c, looper, ref: sched.monitor(c.pid, looper) };
}

/** Wait for the watchdog to end `pid` (monitored by `ref`) with `timeout`. */
async function endsWithTimeout(inbox: unknown[], ref: MonitorRef, pid: Pid): Promise<void> {
  await eventually(() => expect(inbox).toContainEqual({ type: 'down', ref, pid, reason: 'timeout' }));
}

describe('Scheduler watchdog', () => {
  it('ends a spinning handler with timeout, its shard-mates with killed, while other shards keep answering', async () => {
    const sched = new Scheduler({ shards: 2, maxHandlerMs: 300, logger: silentLogger });
    s = sched;
    const c = collector(sched);
    const oldSlot = sched.slots()[0];
    const spinner = agent(sched, c.pid, { placement: { shard: 0 } });
    const mate = agent(sched, c.pid, { placement: { shard: 0 } });
    const bystander = agent(sched, c.pid, { placement: { shard: 1 } });
    const refSpinner = sched.monitor(c.pid, spinner);
    const refMate = sched.monitor(c.pid, mate);
    await roundTrip(sched, c.inbox, bystander, c.pid, 'before');
    sched.send(spinner, { cmd: 'spin' });
    // The bystander on shard 1 answers while shard 0 is stuck.
    await roundTrip(sched, c.inbox, bystander, c.pid, 'during');
    await eventually(() => {
      expect(c.inbox).toContainEqual({ type: 'down', ref: refSpinner, pid: spinner, reason: 'timeout' });
      expect(c.inbox).toContainEqual({ type: 'down', ref: refMate, pid: mate, reason: 'killed' });
    });
    await roundTrip(sched, c.inbox, bystander, c.pid, 'after');
    // Shard 0 is back with a fresh pid slot and accepts new processes.
    expect(sched.slots()[0]).not.toBe(oldSlot);
    expect(sched.send(spinner, 'anyone?')).toBe(false);
    const fresh = agent(sched, c.pid, { placement: { shard: 0 } });
    expect(shardOf(fresh)).toBe(sched.slots()[0]);
    await roundTrip(sched, c.inbox, fresh, c.pid, 'fresh');
  });

  it('an idle shard blocking in its doorbell (idleWait block, 50 ms waits) is never blamed for its last handler', async () => {
    // maxHandlerMs below the 50 ms blocking wait: a watchdog mark left "entered" by the last
    // handler before the shard blocks would read as a runaway within one wait. The mark is
    // cleared at the start of every Mesh pass, and a shard only blocks in a pass that ran no
    // handler, so the idle shard must survive while a real spinner on the other shard is caught.
    const sched = new Scheduler({ shards: 2, maxHandlerMs: 40, idleWait: 'block', logger: silentLogger });
    s = sched;
    const c = collector(sched);
    const idler = agent(sched, c.pid, { placement: { shard: 1 } });
    const idleSlot = sched.slots()[1];
    const idleRef = sched.monitor(c.pid, idler);
    await roundTrip(sched, c.inbox, idler, c.pid, 'before');
    for (const round of [1, 2]) {
      // Each spinner's end takes at least maxHandlerMs plus a watchdog period: shard 1 idles
      // (blocking) all along.
      const spinner = agent(sched, c.pid, { placement: { shard: 0 } });
      const ref = sched.monitor(c.pid, spinner);
      sched.send(spinner, { cmd: 'spin' });
      await eventually(() =>
        expect(c.inbox).toContainEqual({ type: 'down', ref, pid: spinner, reason: 'timeout' }),
      );
      await roundTrip(sched, c.inbox, idler, c.pid, `idle ${round}`);
    }
    expect(sched.slots()[1]).toBe(idleSlot);
    expect(c.inbox).not.toContainEqual(expect.objectContaining({ ref: idleRef }));
  });

  it('a supervisor on the main thread restarts a child whose shard the watchdog replaced', async () => {
    const sched = new Scheduler({ shards: 2, maxHandlerMs: 300, logger: silentLogger });
    s = sched;
    const c = collector(sched);
    const started: Pid[] = [];
    sched.supervise({
      strategy: 'one_for_one',
      children: [
        {
          id: 'spinner',
          start: (node: Scheduler) => {
            const pid = node.spawn({ module: AGENT }, { placement: { shard: 0 } });
            node.send(pid, { cmd: 'report', to: c.pid });
            started.push(pid);
            return pid;
          },
        },
      ],
    });
    expect(started.length).toBe(1);
    sched.send(started[0] as Pid, { cmd: 'spin' });
    await eventually(() => expect(started.length).toBe(2));
    const restarted = started[1] as Pid;
    expect(shardOf(restarted)).toBe(sched.slots()[0]);
    await roundTrip(sched, c.inbox, restarted, c.pid, 'restarted');
  });

  it('ends a receive-loop body that spins right after receive resolved with a ring message', async () => {
    // The body resumes in the microtask after the one that marks it running; a Mesh pass queued
    // in between must not clear that mark, or the spin runs unwatched and the shard hangs.
    const { sched, c, looper, ref } = await monitoredLooper();
    sched.send(looper, 'hello');
    await eventually(() => expect(c.inbox).toContainEqual({ got: 'hello' }));
    sched.send(looper, 'spin');
    await endsWithTimeout(c.inbox, ref, looper);
  });

  it('a receive call the runtime refuses does not un-watch the body that made it', async () => {
    const { sched, c, looper, ref } = await monitoredLooper();
    sched.send(looper, 'badReceiveThenSpin');
    await endsWithTimeout(c.inbox, ref, looper);
  });

  it('a worker that dies is handled like a runaway: culprit crashed, shard-mates killed, shard replaced', async () => {
    const sched = new Scheduler({ shards: 2, logger: silentLogger });
    s = sched;
    const c = collector(sched);
    const culprit = agent(sched, c.pid, { placement: { shard: 1 } });
    const mate = agent(sched, c.pid, { placement: { shard: 1 } });
    const other = agent(sched, c.pid, { placement: { shard: 0 } });
    const r1 = sched.monitor(c.pid, culprit);
    const r2 = sched.monitor(c.pid, mate);
    const oldSlot = sched.slots()[1];
    sched.send(culprit, { cmd: 'die' });
    await eventually(() => {
      expect(c.inbox).toContainEqual({ type: 'down', ref: r1, pid: culprit, reason: 'crashed' });
      expect(c.inbox).toContainEqual({ type: 'down', ref: r2, pid: mate, reason: 'killed' });
    });
    expect(sched.slots()[1]).not.toBe(oldSlot);
    await roundTrip(sched, c.inbox, other, c.pid, 'still here');
  });
});

describe('Scheduler requests to a lost shard', () => {
  it('a pending spawnAsync on a shard that dies rejects with shard lost', async () => {
    const sched = new Scheduler({ shards: 2, maxHandlerMs: 300, logger: silentLogger });
    s = sched;
    const c = collector(sched);
    const spinner = agent(sched, c.pid, { placement: { shard: 0 } });
    sched.send(spinner, { cmd: 'spin' });
    // Queued behind the spinner: the shard never gets to answer before the watchdog replaces it.
    const pending = sched.spawnAsync({ module: AGENT }, { placement: { shard: 0 } });
    await expect(pending).rejects.toMatchObject({ code: 'WACTOR_ERR_SCHEDULER_SHARD_LOST' });
    expect(await sched.info(spinner)).toBeUndefined();
  });
});
