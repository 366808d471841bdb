import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Proc } from '../../runtime/process.js';
import type { Runtime } from '../../runtime/runtime.js';
import { quietRuntime } from '../helpers/runtime.js';

// A model test of `Proc`'s mailbox: a field for the oldest message (`first`, valid while
// `mbSize > ringSize`) in front of a growable power-of-two ring (`mb`, `mbHead`, `ringSize`).
// Random command sequences run against it and against a plain array; after every command the
// depth and the whole content, oldest first, must agree. The run also counts the states that make
// this layout tricky (ring grown, head wrapped, `first` empty with the ring in use) and asserts
// they were reached, so a generator change cannot quietly stop exercising them.

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
  | { readonly op: 'find'; readonly mod: number; readonly rem: number }
  | { readonly op: 'takeMatch'; readonly mod: number }
  | { readonly op: 'clear' };

const command: fc.Arbitrary<Command> = fc.oneof(
  // Pushes weighted up (and in bursts) so the ring grows several times and its head wraps.
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => ({ op: 'push' as const, n })) },
  { weight: 4, arbitrary: fc.constant({ op: 'take' as const }) },
  { weight: 3, arbitrary: fc.nat().map((at) => ({ op: 'takeAt' as const, at })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 2, max: 9 }), fc.nat(8))
      .map(([mod, rem]) => ({ op: 'find' as const, mod, rem: rem % mod })),
  },
  { weight: 2, arbitrary: fc.integer({ min: 2, max: 7 }).map((mod) => ({ op: 'takeMatch' as const, mod })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

/** States worth reaching, counted over all runs. */
const reached = { grownTo: 0, wrapped: 0, firstEmptyRingUsed: 0, firstAndRing: 0 };

function note(p: Proc): void {
  const mb = p.mb;
  if (mb === undefined) return;
  reached.grownTo = Math.max(reached.grownTo, mb.length);
  if (p.mbHead + p.ringSize > mb.length) reached.wrapped++;
  if (p.ringSize > 0 && p.mbSize === p.ringSize) reached.firstEmptyRingUsed++;
  if (p.ringSize > 0 && p.mbSize > p.ringSize) reached.firstAndRing++;
}

describe("Proc's mailbox (a first slot in front of a growable ring) against a plain array", () => {
  it('keeps FIFO order and the depth under any mix of push, take, find, selective take and clear', () => {
    rt = quietRuntime();
    const runtime = rt;
    fc.assert(
      fc.property(fc.array(command, { minLength: 50, maxLength: 400 }), (commands) => {
        // As the runtime builds one (runtime.spawn): the runtime, a pid, the behaviour, the bound.
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
          } else if (c.op === 'find') {
            const match = (m: unknown) => (m as number) % c.mod === c.rem;
            expect(p.find(match)).toBe(model.findIndex(match));
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
          note(p);
        }
        // Emptied the ordinary way, the mailbox is reusable: the next message is the oldest.
        while (model.length > 0) expect(p.take()).toBe(model.shift());
        p.push('again');
        expect(p.depth).toBe(1);
        expect(p.take()).toBe('again');
        expect(p.depth).toBe(0);
      }),
      { numRuns: 150 },
    );
    // The runs reached the layout's corners: the ring doubled from 4 at least four times, its
    // live range wrapped past the end, and it was in use both with and without `first`.
    expect(reached.grownTo).toBeGreaterThanOrEqual(64);
    expect(reached.wrapped).toBeGreaterThan(0);
    expect(reached.firstEmptyRingUsed).toBeGreaterThan(0);
    expect(reached.firstAndRing).toBeGreaterThan(0);
  });

  it('a taken message leaves no reference behind in the ring (a big payload can be collected)', () => {
    rt = quietRuntime();
    const p = new Proc(rt, 2048, { receive() {} }, Infinity, undefined);
    for (let i = 0; i < 10; i++) p.push({ i });
    p.takeAt(5);
    p.take();
    p.take();
    for (let i = 0; i < 20; i++) p.push({ i: 100 + i }); // grows and wraps
    while (p.depth > 0) p.take();
    expect(p.first).toBeUndefined();
    expect(p.mb!.every((slot) => slot === undefined)).toBe(true);
  });
});
