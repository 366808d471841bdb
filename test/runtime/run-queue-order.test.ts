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

/** A run's plan: `fanout[id % length]` lists where handling message `id` sends (as offsets). */
interface Plan {
  readonly n: number;
  readonly reductions: number;
  readonly turnsPerTick: number;
  readonly capacity: number | undefined;
  readonly fanout: readonly (readonly number[])[];
  readonly initial: readonly number[];
  readonly cap: number;
}

/** Where handling message `id` in process `p` sends: other processes only. */
function targets(plan: Plan, p: number, id: number): number[] {
  return plan.fanout[id % plan.fanout.length]!.map((offset) => (p + 1 + offset) % plan.n);
}

/**
 * What the promises above say a run must do: a FIFO queue of runnable processes, each turn at
 * most `reductions` messages, a process with messages left queued again at the back, a send to a
 * full mailbox refused. Sends only go to other processes (what a process's sends to itself during
 * its own turn do to the queue is left unspecified by the docs). Ids are taken in send order,
 * refused sends included.
 */
function expectedRun(plan: Plan): { handled: Handled[]; accepted: number[]; refused: number } {
  const { n, reductions, capacity = Infinity } = plan;
  const queue: number[] = [];
  const scheduled: boolean[] = new Array(n).fill(false);
  const mailboxes: { id: number; from: number }[][] = Array.from({ length: n }, () => []);
  const accepted: number[] = [];
  let refused = 0;
  let nextId = 0;
  const deliver = (to: number, from: number) => {
    const id = nextId++;
    if (mailboxes[to]!.length >= capacity) {
      refused++;
      return;
    }
    accepted.push(id);
    mailboxes[to]!.push({ id, from });
    if (!scheduled[to]) {
      scheduled[to] = true;
      queue.push(to);
    }
  };
  for (const to of plan.initial) deliver(to % n, -1);
  const handled: Handled[] = [];
  while (queue.length > 0) {
    const p = queue.shift()!;
    scheduled[p] = false;
    const mb = mailboxes[p]!;
    for (let budget = reductions; budget > 0 && mb.length > 0; budget--) {
      const msg = mb.shift()!;
      handled.push([p, msg.id, msg.from]);
      for (const to of targets(plan, p, msg.id)) if (nextId < plan.cap) deliver(to, p);
    }
    if (mb.length > 0 && !scheduled[p]) {
      scheduled[p] = true;
      queue.push(p);
    }
  }
  return { handled, accepted, refused };
}

describe('the run queue through the Runtime', () => {
  it('runs processes in the order they became runnable and handles every accepted message once, per-sender FIFO', async () => {
    const plans: fc.Arbitrary<Plan> = fc.record({
      n: fc.integer({ min: 2, max: 7 }),
      reductions: fc.integer({ min: 1, max: 4 }),
      // Yield to the event loop every few turns too: the queue must keep its order across drains.
      turnsPerTick: fc.integer({ min: 1, max: 50 }),
      // Small bounded mailboxes in some runs, so some sends are refused.
      capacity: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      fanout: fc.array(fc.array(fc.nat(5), { maxLength: 3 }), { minLength: 1, maxLength: 12 }),
      initial: fc.array(fc.nat(6), { minLength: 1, maxLength: 30 }),
      cap: fc.integer({ min: 1, max: 300 }),
    });
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(plans, async (plan) => {
        const { n, reductions, turnsPerTick, capacity } = plan;
        const runtime = quietRuntime(
          capacity === undefined
            ? { reductions, turnsPerTick }
            : { reductions, turnsPerTick, mailboxCapacity: capacity },
        );
        try {
          const handled: Handled[] = [];
          const accepted: number[] = [];
          const pids: Pid[] = [];
          let nextId = 0;
          const send = (via: (pid: Pid, msg: unknown) => boolean, to: number, from: number) => {
            const id = nextId++;
            if (via(pids[to]!, { id, from })) accepted.push(id);
          };
          type Msg = { readonly id: number; readonly from: number };
          for (let i = 0; i < n; i++) {
            pids.push(
              runtime.spawn({
                receive(msg: Msg, ctx) {
                  handled.push([i, msg.id, msg.from]);
                  for (const to of targets(plan, i, msg.id)) {
                    if (nextId < plan.cap) send((pid, m) => ctx.send(pid, m), to, i);
                  }
                },
              }),
            );
          }
          // All initial sends before the first drain: many processes runnable at once.
          for (const to of plan.initial) send((pid, m) => runtime.send(pid, m), to % n, -1);
          const expected = expectedRun(plan);
          // Wait for the run to end (every mailbox empty, nothing runnable), not for the expected
          // count: a wrong run then fails at once with its counterexample.
          const idle = pids.map(() => ({ status: 'waiting', mailboxDepth: 0 }));
          await eventually(() => expect(pids.map((pid) => runtime.info(pid))).toMatchObject(idle));
          await flush();
          // The same sends accepted and refused (mailbox bounds), and counted so...
          expect(accepted).toEqual(expected.accepted);
          expect(runtime.stats()).toMatchObject({
            messagesSent: accepted.length,
            messagesRefused: expected.refused,
          });
          // ...every accepted message handled exactly once...
          expect(handled.map(([, id]) => id).sort((x, y) => x - y)).toEqual(accepted);
          // ...in send order per (sender, receiver) pair (ids grow in send order)...
          const last = new Map<string, number>();
          for (const [to, id, from] of handled) {
            const key = `${from}>${to}`;
            expect(id).toBeGreaterThan(last.get(key) ?? -1);
            last.set(key, id);
          }
          // ...and in exactly the order a FIFO run queue with `reductions` per turn gives.
          expect(handled).toEqual(expected.handled);
          refusals += expected.refused;
        } finally {
          await runtime.shutdown();
        }
      }),
      { numRuns: 150 },
    );
    // The bounded runs did refuse sends (so "every accepted message" was not every message).
    expect(refusals).toBeGreaterThan(0);
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
