import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pid } from '../../runtime/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import { eventually, flush } from '../helpers/eventually.js';
import { quietRuntime } from '../helpers/runtime.js';

// The run queue and the mailboxes seen through the public Runtime API, against what
// docs/architecture.md promises: the run queue is FIFO (a process joins it when it becomes
// runnable, behind every process already runnable), a turn takes at most `reductions` messages
// and a process with messages left queues again at the back, mailboxes are FIFO, a selective
// receive takes the first match and leaves the rest in order, and an exit drops what is queued.

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.shutdown();
  rt = undefined;
});

type Handled = readonly [proc: number, id: number, from: number];

/**
 * What the promises above say a run must handle, in order: a FIFO queue of runnable processes,
 * each turn at most `reductions` messages, a process with messages left queued again at the back.
 * Sends only go to other processes (a process's sends to itself during its own turn are left
 * unspecified by the docs).
 */
function expectedOrder(
  n: number,
  reductions: number,
  fanout: readonly (readonly number[])[],
  initial: readonly number[],
  cap: number,
): Handled[] {
  const queue: number[] = [];
  const scheduled: boolean[] = new Array(n).fill(false);
  const mailboxes: { id: number; from: number }[][] = Array.from({ length: n }, () => []);
  let nextId = 0;
  const deliver = (to: number, from: number) => {
    mailboxes[to]!.push({ id: nextId++, from });
    if (!scheduled[to]) {
      scheduled[to] = true;
      queue.push(to);
    }
  };
  for (const to of initial) deliver(to, -1);
  const handled: Handled[] = [];
  while (queue.length > 0) {
    const p = queue.shift()!;
    scheduled[p] = false;
    const mb = mailboxes[p]!;
    for (let budget = reductions; budget > 0 && mb.length > 0; budget--) {
      const msg = mb.shift()!;
      handled.push([p, msg.id, msg.from]);
      for (const offset of fanout[msg.id % fanout.length]!) {
        if (nextId < cap) deliver((p + 1 + offset) % n, p);
      }
    }
    if (mb.length > 0 && !scheduled[p]) {
      scheduled[p] = true;
      queue.push(p);
    }
  }
  return handled;
}

describe('the run queue through the Runtime', () => {
  it('runs processes in the order they became runnable and handles every message once, per-sender FIFO', async () => {
    const plan = fc.record({
      n: fc.integer({ min: 2, max: 7 }),
      reductions: fc.integer({ min: 1, max: 4 }),
      // Yield to the event loop every few turns too: the queue must keep its order across drains.
      turnsPerTick: fc.integer({ min: 1, max: 50 }),
      // Message id % length picks the offsets of the processes its handling sends to.
      fanout: fc.array(fc.array(fc.nat(5), { maxLength: 3 }), { minLength: 1, maxLength: 12 }),
      initial: fc.array(fc.nat(6), { minLength: 1, maxLength: 30 }),
      cap: fc.integer({ min: 1, max: 300 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async ({ n, reductions, turnsPerTick, fanout, initial, cap }) => {
        const runtime = quietRuntime({ reductions, turnsPerTick });
        try {
          const starts = initial.map((to) => to % n);
          const handled: Handled[] = [];
          const pids: Pid[] = [];
          let nextId = 0;
          type Msg = { readonly id: number; readonly from: number };
          for (let i = 0; i < n; i++) {
            pids.push(
              runtime.spawn({
                receive(msg: Msg, ctx) {
                  handled.push([i, msg.id, msg.from]);
                  for (const offset of fanout[msg.id % fanout.length]!) {
                    if (nextId < cap) ctx.send(pids[(i + 1 + offset) % n]!, { id: nextId++, from: i });
                  }
                },
              }),
            );
          }
          // All initial sends before the first drain: many processes runnable at once.
          for (const to of starts) expect(runtime.send(pids[to]!, { id: nextId++, from: -1 })).toBe(true);
          const expected = expectedOrder(n, reductions, fanout, starts, cap);
          await eventually(() => expect(handled).toHaveLength(expected.length));
          await flush();
          // Every accepted message handled exactly once...
          expect(handled.map(([, id]) => id).sort((a, b) => a - b)).toEqual(expected.map((_, id) => id));
          expect(runtime.stats().messagesSent).toBe(expected.length);
          // ...in send order per (sender, receiver) pair (ids grow in send order)...
          const last = new Map<string, number>();
          for (const [to, id, from] of handled) {
            const key = `${from}>${to}`;
            expect(id).toBeGreaterThan(last.get(key) ?? -1);
            last.set(key, id);
          }
          // ...and in exactly the order a FIFO run queue with `reductions` per turn gives.
          expect(handled).toEqual(expected);
        } finally {
          await runtime.shutdown();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('selective receive through the Runtime', () => {
  it('takes the first match out of the middle and later receives see the rest in order', async () => {
    // A receive-loop process runs a script of receives (a kind to match, or -1 for any); messages
    // arrive in batches, each sent once the process has done all it can with the previous ones.
    const plan = fc.record({
      script: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 1, maxLength: 60 }),
      batches: fc.array(fc.array(fc.nat(3), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async ({ script, batches }) => {
        const runtime = quietRuntime();
        try {
          type Msg = { readonly id: number; readonly kind: number };
          const seen: number[] = [];
          const pid = runtime.spawn(async (ctx) => {
            for (const want of script) {
              const msg = await ctx.receive<Msg>(
                want < 0 ? undefined : { match: (m) => (m as Msg).kind === want },
              );
              seen.push(msg.id);
            }
          });
          const mailbox: Msg[] = [];
          const expected: number[] = [];
          let step = 0;
          let nextId = 0;
          for (const batch of batches) {
            for (const kind of batch) {
              const msg = { id: nextId++, kind };
              mailbox.push(msg);
              expect(runtime.send(pid, msg)).toBe(true);
            }
            // The model: go on through the script while the next receive finds a match.
            while (step < script.length) {
              const want = script[step]!;
              const at = mailbox.findIndex((m) => want < 0 || m.kind === want);
              if (at < 0) break;
              expected.push(mailbox.splice(at, 1)[0]!.id);
              step++;
            }
            await flush();
            // Bounded tighter than usual: after flush() only microtasks could still be pending, and a
            // failing case then reports its counterexample instead of the test's timeout.
            await eventually(() => expect(seen).toEqual(expected), { timeout: 2_000 });
            if (step < script.length) {
              // Parked on a receive nothing queued matches: the rest still queued, in order.
              expect(runtime.info(pid)).toMatchObject({ status: 'waiting', mailboxDepth: mailbox.length });
            } else {
              // The script is done, so the body returned: the process ended, what was left is
              // dropped and it accepts nothing more.
              await eventually(() => expect(runtime.isAlive(pid)).toBe(false));
              expect(runtime.send(pid, { id: -1, kind: 0 })).toBe(false);
              break;
            }
          }
        } finally {
          await runtime.shutdown();
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('an exit with queued messages', () => {
  it('drops them: none is handled after the exit, sends were counted, later sends refused', async () => {
    rt = quietRuntime();
    const handled: number[] = [];
    const exits: unknown[] = [];
    rt.on('exit', (pid, reason) => exits.push([pid, reason]));
    const pid = rt.spawn({
      receive(n: number, ctx) {
        handled.push(n);
        if (n === 2) ctx.exit('done');
      },
    });
    for (let n = 0; n < 10; n++) expect(rt.send(pid, n)).toBe(true);
    expect(rt.info(pid)?.mailboxDepth).toBe(10);
    await eventually(() => expect(rt?.isAlive(pid)).toBe(false));
    await flush();
    expect(handled).toEqual([0, 1, 2]);
    expect(exits).toEqual([[pid, 'done']]);
    // The runtime counts the ten as sent (they were accepted) and the process as exited; a send
    // after the exit is not accepted.
    expect(rt.stats()).toMatchObject({ messagesSent: 10, exited: 1, processes: 0 });
    expect(rt.send(pid, 11)).toBe(false);
    expect(rt.stats().messagesSent).toBe(10);
  });

  it('a process killed while it waits in the run queue never runs; the ones behind it still do, in order', async () => {
    rt = quietRuntime();
    const turns: string[] = [];
    const spawnNamed = (name: string) =>
      rt!.spawn({
        receive(msg: string) {
          turns.push(`${name}:${msg}`);
        },
      });
    const [a, b, c] = [spawnNamed('a'), spawnNamed('b'), spawnNamed('c')];
    for (const [pid, msg] of [
      [a, '1'],
      [b, '1'],
      [c, '1'],
      [b, '2'],
      [a, '2'],
    ] as const)
      rt.send(pid, msg);
    expect(rt.kill(b)).toBe(true);
    await eventually(() => expect(turns).toHaveLength(3));
    await flush();
    expect(turns).toEqual(['a:1', 'a:2', 'c:1']);
    expect(rt.isAlive(b)).toBe(false);
  });

  it('a receive-loop body that returns with messages queued drops them', async () => {
    rt = quietRuntime();
    const seen: unknown[] = [];
    const pid = rt.spawn(async (ctx) => {
      seen.push(await ctx.receive({ match: (m) => m === 'stop' }));
    });
    for (const m of ['x', 'y', 'stop', 'z']) rt.send(pid, m);
    await eventually(() => expect(rt?.isAlive(pid)).toBe(false));
    expect(seen).toEqual(['stop']);
    expect(rt.info(pid)).toBeUndefined();
    expect(rt.stats()).toMatchObject({ messagesSent: 4, exited: 1, processes: 0 });
  });
});
