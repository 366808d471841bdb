import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Proc } from '../../runtime/process.js';
import type { Runtime } from '../../runtime/runtime.js';
import { eventually } from '../helpers/eventually.js';
import { quietRuntime } from '../helpers/runtime.js';

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.shutdown();
  rt = undefined;
});

/** What the mailbox holds, oldest first, read through its own `find` (which walks first + ring). */
function contents(p: Proc): number[] {
  const seen: number[] = [];
  p.find((msg) => {
    seen.push(msg as number);
    return false;
  });
  return seen;
}

type Command =
  | { readonly op: 'push'; readonly n: number }
  | { readonly op: 'take' }
  | { readonly op: 'takeAt'; readonly at: number }
  | { readonly op: 'takeMatch'; readonly mod: number }
  | { readonly op: 'clear' };

const command: fc.Arbitrary<Command> = fc.oneof(
  // Pushes weighted up so the ring grows several times and its head wraps.
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => ({ op: 'push' as const, n })) },
  { weight: 4, arbitrary: fc.constant({ op: 'take' as const }) },
  { weight: 3, arbitrary: fc.nat().map((at) => ({ op: 'takeAt' as const, at })) },
  { weight: 2, arbitrary: fc.integer({ min: 2, max: 7 }).map((mod) => ({ op: 'takeMatch' as const, mod })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

describe("Proc's mailbox (a first slot in front of a growable ring) against a plain array", () => {
  it('keeps FIFO order and the depth under any mix of push, take, selective take and clear', () => {
    rt = quietRuntime();
    const runtime = rt;
    fc.assert(
      fc.property(fc.array(command, { minLength: 50, maxLength: 400 }), (commands) => {
        const p = new Proc(runtime, 1024, { receive() {} }, Infinity, undefined);
        const model: number[] = [];
        let next = 0;
        for (const c of commands) {
          if (c.op === 'push') {
            for (let i = 0; i < c.n; i++) {
              p.push(next);
              model.push(next++);
            }
          } else if (c.op === 'take') {
            if (model.length === 0) continue;
            expect(p.take()).toBe(model.shift());
          } else if (c.op === 'takeAt') {
            if (model.length === 0) continue;
            const at = c.at % model.length;
            expect(p.takeAt(at)).toBe(model.splice(at, 1)[0]);
          } else if (c.op === 'takeMatch') {
            // Selective receive: find the first match, take it out of the middle.
            const at = p.find((m) => (m as number) % c.mod === 0);
            expect(at).toBe(model.findIndex((m) => m % c.mod === 0));
            if (at >= 0) expect(p.takeAt(at)).toBe(model.splice(at, 1)[0]);
          } else {
            p.clear();
            model.length = 0;
          }
          expect(p.depth).toBe(model.length);
          expect(contents(p)).toEqual(model);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the run queue and mailboxes through the Runtime', () => {
  it('delivers every accepted message exactly once, in per-sender order, whatever the send pattern', async () => {
    // Handlers forward a message along a random route (a list of process indexes) and the last
    // hop reports it; the route makes processes receive from several senders in interleaved
    // turns, so the run queue and the mailboxes' first slots and rings all take part.
    const routes = fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), {
      minLength: 1,
      maxLength: 60,
    });
    await fc.assert(
      fc.asyncProperty(routes, async (plan) => {
        const runtime = quietRuntime();
        try {
          const done: number[] = [];
          const received: [from: number, id: number, to: number][] = [];
          const sent: [from: number, id: number, to: number][] = [];
          const pids: number[] = [];
          type Hop = { readonly id: number; readonly route: readonly number[]; readonly from: number };
          for (let i = 0; i < 6; i++) {
            pids.push(
              runtime.spawn({
                receive(msg: Hop, ctx) {
                  received.push([msg.from, msg.id, i]);
                  const [head, ...rest] = msg.route;
                  if (head === undefined) {
                    done.push(msg.id);
                  } else {
                    sent.push([i, msg.id, head]);
                    ctx.send(pids[head]!, { id: msg.id, route: rest, from: i });
                  }
                },
              }),
            );
          }
          // Outside senders (from -1) start every route at once: many processes become runnable
          // in the same drain.
          plan.forEach((route, id) => {
            runtime.send(pids[route[0]!]!, { id, route: route.slice(1), from: -1 });
          });
          await eventually(() => expect(done).toHaveLength(plan.length));
          expect([...done].sort((a, b) => a - b)).toEqual(plan.map((_, id) => id));
          // Every hop handled once, and per (sender, receiver) pair in the order it was sent
          // (the outside sent in id order).
          expect(received).toHaveLength(plan.reduce((sum, r) => sum + r.length, 0));
          for (let from = -1; from < 6; from++) {
            for (let to = 0; to < 6; to++) {
              const got = received.filter(([f, , t]) => f === from && t === to).map(([, id]) => id);
              const order =
                from === -1
                  ? plan.map((r, id) => (r[0] === to ? id : -1)).filter((id) => id >= 0)
                  : sent.filter(([f, , t]) => f === from && t === to).map(([, id]) => id);
              expect(got).toEqual(order);
            }
          }
        } finally {
          await runtime.shutdown();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('processes take turns in the order they became runnable (one woken by a message queues behind the rest)', async () => {
    rt = quietRuntime();
    const turns: string[] = [];
    const d = rt.spawn({ receive: () => turns.push('d') }); // no init: not queued until a message
    const starter = (name: string, wake?: number) => ({
      init(ctx: { send(pid: number, msg: unknown): boolean }) {
        turns.push(name);
        if (wake !== undefined) ctx.send(wake, 'wake');
      },
      receive() {},
    });
    rt.spawn(starter('a', d));
    rt.spawn(starter('b'));
    rt.spawn(starter('c', d));
    await eventually(() => expect(turns).toHaveLength(5));
    // d became runnable during a's turn, after b and c were queued, and its second message found
    // it still queued: one turn for both, last. (A queue that let a newly runnable process jump
    // ahead reads a, d, b, c, d.)
    expect(turns).toEqual(['a', 'b', 'c', 'd', 'd']);
  });

  it('a process exiting with queued messages drops them (none is handled after the exit)', async () => {
    rt = quietRuntime();
    const handled: number[] = [];
    const pid = rt.spawn({
      receive(n: number, ctx) {
        handled.push(n);
        if (n === 2) ctx.exit('done');
      },
    });
    for (let n = 0; n < 10; n++) rt.send(pid, n);
    expect(rt.info(pid)?.mailboxDepth).toBe(10);
    await eventually(() => expect(rt?.isAlive(pid)).toBe(false));
    expect(handled).toEqual([0, 1, 2]);
    expect(rt.send(pid, 11)).toBe(false);
  });
});
