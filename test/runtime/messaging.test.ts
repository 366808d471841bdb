import { afterEach, describe, expect, test } from 'vitest';
import type { Runtime } from '../../runtime/index.js';
import { eventually, flush } from '../helpers/eventually.js';
import { collector, idle, quietRuntime } from '../helpers/runtime.js';

let rt: Runtime;
afterEach(async () => {
  await rt.shutdown();
});

describe('messaging', () => {
  test('messages from one sender arrive in FIFO order', async () => {
    rt = quietRuntime();
    const sink = collector(rt);
    for (let i = 0; i < 10_000; i++) expect(rt.send(sink.pid, i)).toBe(true);
    await eventually(() => expect(sink.messages).toHaveLength(10_000));
    expect(sink.messages).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  test('a handler process can reply and a receive-loop process gets the reply', async () => {
    rt = quietRuntime();
    const echo = rt.spawn({
      receive(msg: { from: number; text: string }, ctx) {
        ctx.send(msg.from, msg.text.toUpperCase());
      },
    });
    let reply: unknown;
    rt.spawn(async (ctx) => {
      ctx.send(echo, { from: ctx.self, text: 'hello' });
      reply = await ctx.receive();
    });
    await eventually(() => expect(reply).toBe('HELLO'));
  });

  test('values are passed by reference inside one runtime', async () => {
    rt = quietRuntime();
    const payload = { big: new Uint8Array(16) };
    const sink = collector(rt);
    rt.send(sink.pid, payload);
    await eventually(() => expect(sink.messages[0]).toBe(payload));
  });

  test('selective receive takes the first match and keeps the order of what it skips', async () => {
    rt = quietRuntime();
    const seen: unknown[] = [];
    const pid = rt.spawn(async (ctx) => {
      seen.push(await ctx.receive({ match: (m) => m === 'c' }));
      seen.push(await ctx.receive());
      seen.push(await ctx.receive());
      seen.push(await ctx.receive({ match: (m) => m === 'e' }));
      seen.push(await ctx.receive());
    });
    for (const m of ['a', 'b', 'c', 'd']) rt.send(pid, m);
    await eventually(() => expect(seen).toEqual(['c', 'a', 'b']));
    rt.send(pid, 'x');
    rt.send(pid, 'e');
    await eventually(() => expect(seen).toEqual(['c', 'a', 'b', 'e', 'd']));
  });

  test('mailbox order holds across its first-message slot and its ring', async () => {
    // The oldest message sits in a field when it arrived at an empty mailbox, the rest in a ring:
    // selective receives take from either, and later arrivals queue behind what is left.
    rt = quietRuntime();
    const seen: unknown[] = [];
    let step = 0;
    const pid = rt.spawn(async (ctx) => {
      seen.push(await ctx.receive({ match: (m) => m === 'm2' })); // in the ring behind the slot
      seen.push(await ctx.receive()); // the slot: m0
      seen.push(await ctx.receive({ match: (m) => m === 'm5' })); // the ring's last, slot empty
      step = 1;
      seen.push(await ctx.receive({ match: (m) => m === 'late' })); // parked: x1, x2 queue up
      for (let i = 0; i < 5; i++) seen.push(await ctx.receive());
      step = 2;
      seen.push(await ctx.receive()); // an empty mailbox again: y goes to the slot
    });
    for (let i = 0; i <= 5; i++) rt.send(pid, `m${i}`);
    await eventually(() => expect(step).toBe(1));
    expect(rt.info(pid)?.mailboxDepth).toBe(3);
    for (const m of ['x1', 'x2', 'late']) rt.send(pid, m);
    await eventually(() => expect(step).toBe(2));
    rt.send(pid, 'y');
    await eventually(() => expect(seen).toHaveLength(10));
    expect(seen).toEqual(['m2', 'm0', 'm5', 'late', 'm1', 'm3', 'm4', 'x1', 'x2', 'y']);
  });

  test('a parked selective receive ignores non-matching arrivals until a match comes', async () => {
    rt = quietRuntime();
    const seen: unknown[] = [];
    const pid = rt.spawn(async (ctx) => {
      seen.push(await ctx.receive({ match: (m) => typeof m === 'number' }));
      seen.push(await ctx.receive());
    });
    await flush();
    rt.send(pid, 'skip-me');
    rt.send(pid, 42);
    await eventually(() => expect(seen).toEqual([42, 'skip-me']));
  });

  test('send to a dead pid returns false', async () => {
    rt = quietRuntime();
    const pid = idle(rt);
    expect(rt.kill(pid)).toBe(true);
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.send(pid, 'hello')).toBe(false);
    expect(rt.send(123_456_789, 'hello')).toBe(false);
  });

  test('a bounded mailbox refuses user messages past its capacity and counts them', async () => {
    rt = quietRuntime();
    const pid = rt.spawn(
      async (ctx) => {
        await ctx.receive({ match: (m) => m === 'never' });
      },
      { mailboxCapacity: 3 },
    );
    await flush();
    expect([1, 2, 3, 4, 5].map((m) => rt.send(pid, m))).toEqual([true, true, true, false, false]);
    expect(rt.info(pid)).toMatchObject({ mailboxDepth: 3, mailboxCapacity: 3, messagesRefused: 2 });
    expect(rt.stats().messagesRefused).toBe(2);
  });

  test('a capacity past the small-integer range bounds like an unbounded one and is reported as given', async () => {
    // The send path tests a clamped integer bound (Proc.limit); the process info keeps the given one.
    rt = quietRuntime();
    const given = 2 ** 40;
    const pid = rt.spawn(
      async (ctx) => {
        await ctx.receive({ match: (m) => m === 'never' });
      },
      { mailboxCapacity: given },
    );
    await flush();
    for (let i = 0; i < 1000; i++) expect(rt.send(pid, i)).toBe(true);
    expect(rt.info(pid)).toMatchObject({ mailboxDepth: 1000, mailboxCapacity: given, messagesRefused: 0 });
  });

  test('down and exit signals are never refused by a full mailbox', async () => {
    rt = quietRuntime({ mailboxCapacity: 1 });
    const watcher = rt.spawn(
      async (ctx) => {
        await ctx.receive({ match: () => false });
      },
      { trapExit: true },
    );
    await flush();
    expect(rt.send(watcher, 'fill')).toBe(true);
    expect(rt.send(watcher, 'refused')).toBe(false);
    const a = idle(rt);
    const b = idle(rt);
    rt.monitor(watcher, a);
    rt.link(watcher, b);
    rt.exit(a, 'boom');
    rt.exit(b, 'bang');
    expect(rt.info(watcher)?.mailboxDepth).toBe(3);
  });

  test('a handler that returns a promise takes its next message only after it settles', async () => {
    rt = quietRuntime();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pid = rt.spawn({
      async receive(msg: string) {
        events.push(`start ${msg}`);
        if (msg === 'first') await gate;
        events.push(`end ${msg}`);
      },
    });
    rt.send(pid, 'first');
    rt.send(pid, 'second');
    await eventually(() => expect(events).toEqual(['start first']));
    release();
    await eventually(() =>
      expect(events).toEqual(['start first', 'end first', 'start second', 'end second']),
    );
  });

  test('handler init runs before the first message', async () => {
    rt = quietRuntime();
    const events: string[] = [];
    const pid = rt.spawn({
      init() {
        events.push('init');
      },
      receive(msg: string) {
        events.push(msg);
      },
    });
    rt.send(pid, 'm1');
    await eventually(() => expect(events).toEqual(['init', 'm1']));
  });

  test('a busy runtime still lets timers and I/O run between turns', async () => {
    rt = quietRuntime({ turnsPerTick: 100 });
    let hops = 0;
    let ticked = false;
    const a = rt.spawn({
      receive(msg: number, ctx) {
        hops++;
        if (!ticked) ctx.send(msg, ctx.self);
      },
    });
    const b = rt.spawn({
      receive(msg: number, ctx) {
        hops++;
        if (!ticked) ctx.send(msg, ctx.self);
      },
    });
    rt.send(a, b);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    ticked = true;
    expect(hops).toBeGreaterThan(0);
  });

  test('processes take their turns in the order they became runnable', async () => {
    // The run queue keeps its oldest entry in a field when the queue was empty and the rest in
    // a ring: a process queued behind others (d, woken by a's turn) still goes after them.
    rt = quietRuntime();
    const turns: string[] = [];
    const pids = new Map<string, number>();
    for (const name of ['a', 'b', 'c', 'd']) {
      const pid = rt.spawn({
        receive(_msg: unknown, ctx) {
          turns.push(name);
          if (name === 'a') ctx.send(pids.get('d')!, 'from a');
        },
      });
      pids.set(name, pid);
    }
    for (const name of ['a', 'b', 'c']) rt.send(pids.get(name)!, 'go');
    await eventually(() => expect(turns).toHaveLength(4));
    expect(turns).toEqual(['a', 'b', 'c', 'd']);
    for (const name of ['c', 'a', 'b']) rt.send(pids.get(name)!, 'go');
    await eventually(() => expect(turns).toHaveLength(8));
    expect(turns.slice(4)).toEqual(['c', 'a', 'b', 'd']);
  });

  test('1000 concurrent spawns all run and are all reaped', async () => {
    rt = quietRuntime();
    let done = 0;
    const pids: number[] = [];
    for (let i = 0; i < 1000; i++) {
      pids.push(
        rt.spawn(async (ctx) => {
          const m = await ctx.receive<number>();
          done += m;
        }),
      );
    }
    expect(new Set(pids).size).toBe(1000);
    for (const pid of pids) rt.send(pid, 1);
    await eventually(() => expect(done).toBe(1000));
    await eventually(() => expect(rt.list()).toEqual([]));
    expect(rt.stats()).toMatchObject({ processes: 0, spawned: 1000, exited: 1000 });
  });
});

describe('fairness to the event loop', () => {
  test('slow handlers yield to the event loop by time, not only by turn count', async () => {
    rt = quietRuntime({ tickBudgetMs: 2 });
    let calls = 0;
    let stop = false;
    // Each call burns ~0.2 ms; 20000 turns per tick would hold the loop for seconds without the
    // time budget. A timer must still get in while the processes keep each other busy.
    const spin = () => {
      const end = performance.now() + 0.2;
      while (performance.now() < end) {}
    };
    const a = rt.spawn({
      receive(peer: number, ctx) {
        calls++;
        spin();
        if (!stop) ctx.send(peer, ctx.self);
      },
    });
    const b = rt.spawn({
      receive(peer: number, ctx) {
        calls++;
        spin();
        if (!stop) ctx.send(peer, ctx.self);
      },
    });
    rt.send(a, b);
    const callsWhenTimerFired = await new Promise<number>((resolve) => setTimeout(() => resolve(calls), 1));
    stop = true;
    expect(callsWhenTimerFired).toBeGreaterThan(0);
    expect(callsWhenTimerFired).toBeLessThan(1000);
  });

  test('a non-positive tick budget is a clear error', () => {
    rt = quietRuntime();
    expect(() => quietRuntime({ tickBudgetMs: 0 })).toThrow(
      /options.tickBudgetMs must be a number > 0, got 0/,
    );
  });
});
