import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { makePid, shardOf } from '../../runtime/pid.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { eventually } from '../helpers/eventually.js';
import { AGENT, agent, collector, RECEIVE_LOOP, ready } from './helpers.js';

const FAN_OUT = new URL('./fixtures/fan-out.mjs', import.meta.url);

let s: Scheduler | undefined;
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

function make(options: ConstructorParameters<typeof Scheduler>[0] = {}): Scheduler {
  s = new Scheduler({ shards: 2, logger: silentLogger, ...options });
  return s;
}

/**
 * Agent `a` on `shardA` bursts `count` numbered messages to agent `b` on `shardB`, which forwards
 * each to a collector; resolves the forwarded sequence numbers once all arrived.
 */
async function burst(sched: Scheduler, shardA: number, shardB: number, count: number): Promise<number[]> {
  const c = collector(sched);
  const a = agent(sched, c.pid, { placement: { shard: shardA } });
  const b = agent(sched, c.pid, { placement: { shard: shardB } });
  await ready(c.inbox, [a, b]);
  sched.send(a, { cmd: 'burst', to: b, count });
  const seqs = () =>
    c.inbox
      .map((m) => (m as { unknown?: { seq: number } }).unknown?.seq)
      .filter((x): x is number => x !== undefined);
  await eventually(() => expect(seqs()).toHaveLength(count));
  return seqs();
}

describe('Scheduler messaging', () => {
  it('keeps per-pair order for messages from one shard to another', async () => {
    const sched = make();
    const sink = sched.spawn(
      { module: new URL('./fixtures/echo-actor.mjs', import.meta.url) },
      { placement: { shard: 1 } },
    );
    expect(sink).toBeGreaterThan(0);
    // An agent on shard 0 bursts 2000 numbered messages to one on shard 1, which forwards each.
    expect(await burst(sched, 0, 1, 2000)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('moves large binary messages across shards intact', async () => {
    const sched = make({ ringBytes: 1 << 16 });
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    const big = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7) & 0xff);
    expect(sched.send(a, big)).toBe(true);
    await eventually(() => expect(c.inbox.some((m) => (m as { bytes?: unknown }).bytes)).toBe(true));
    const got = (c.inbox.find((m) => (m as { bytes?: unknown }).bytes) as { bytes: Uint8Array }).bytes;
    expect(got.length).toBe(big.length);
    expect(Buffer.from(got).equals(Buffer.from(big))).toBe(true);
  });

  it('a flooded ring applies backpressure without losing a message', async () => {
    const sched = make({ ringBytes: 4096 });
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) if (sched.send(a, { cmd: 'echo', to: c.pid, body: i })) accepted++;
    expect(accepted).toBe(20_000);
    expect(sched.pressured(0)).toBe(true);
    await eventually(() => expect(c.inbox.length).toBe(20_001), { timeout: 20_000 });
    expect(c.inbox.slice(1)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    const stats = await sched.stats();
    expect(stats.ringQueued).toBeGreaterThan(0);
    expect(stats.ringRefused).toBe(0);
  });

  it('raw-byte messages keep their order through a full ring (pid records, then the queue, then pid records)', async () => {
    const sched = make({ ringBytes: 4096 });
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    await ready(c.inbox, [a]);
    const count = 20_000;
    for (let i = 0; i < count; i++) {
      const bytes = new Uint8Array(4);
      new DataView(bytes.buffer).setUint32(0, i, true);
      expect(sched.send(a, bytes)).toBe(true);
    }
    // The 4 KiB ring holds ~200 of them: the rest waited in the local queue.
    expect(sched.pressured(0)).toBe(true);
    const got = () => c.inbox.filter((m) => (m as { bytes?: unknown }).bytes !== undefined);
    await eventually(() => expect(got().length).toBe(count), { timeout: 20_000 });
    const seqs = got().map((m) => {
      const b = (m as { bytes: Uint8Array }).bytes;
      return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
    });
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i));
    expect((await sched.stats()).ringQueued).toBeGreaterThan(0);
  });

  it('past maxQueuedBytes a send is refused and counted, and what was accepted still arrives in order', async () => {
    const sched = make({ ringBytes: 4096, maxQueuedBytes: 2048 });
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    let accepted = 0;
    let refused = 0;
    let last = -1;
    for (let i = 0; i < 5000; i++) {
      if (sched.send(a, { cmd: 'count', n: i })) {
        accepted++;
        last = i;
      } else refused++;
    }
    expect(refused).toBeGreaterThan(0);
    // The stats query is a control signal, never refused (nor counted) even behind a full queue.
    expect((await sched.stats()).ringRefused).toBe(refused);
    await eventually(() => expect(sched.send(a, { cmd: 'tellCount' })).toBe(true));
    await eventually(() => expect(c.inbox).toContainEqual({ seen: accepted, last }), { timeout: 20_000 });
  });

  it('a synchronous spawn behind a full ring still completes', async () => {
    const sched = make({ ringBytes: 4096 });
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    for (let i = 0; i < 20_000; i++) sched.send(a, { cmd: 'count', n: i });
    expect(sched.pressured(0)).toBe(true);
    const b = sched.spawn({ module: AGENT }, { placement: { shard: 0 } });
    expect(shardOf(b)).toBe(sched.slots()[0]);
    sched.send(a, { cmd: 'tellCount' });
    await eventually(() => expect(c.inbox).toContainEqual({ seen: 20_000, last: 19_999 }), {
      timeout: 20_000,
    });
  });

  it('refuses a value that cannot cross shards, with a clear error at the send', () => {
    const sched = make();
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    expect(() => sched.send(a, { fn: () => 1 })).toThrow(/msg\.fn is a function/);
    expect(() => sched.send(a, new Map())).toThrow(/instance of Map/);
    // A delayed send refuses it at the call too, not later inside its timer.
    expect(() => sched.sendAfter(a, 1, { fn: () => 1 })).toThrow(/msg\.fn is a function/);
  });

  it('sendAfter from the main thread delivers plain data and bytes to a shard process', async () => {
    const sched = make();
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    await ready(c.inbox, [a]);
    sched.sendAfter(a, 5, { cmd: 'echo', to: c.pid, body: 'late' });
    sched.sendAfter(a, 5, new Uint8Array([1, 2, 3]));
    const cancelled = sched.sendAfter(a, 10_000, { cmd: 'echo', to: c.pid, body: 'never' });
    expect(cancelled.cancel()).toBe(true);
    await eventually(() => {
      expect(c.inbox).toContain('late');
      expect(c.inbox).toContainEqual({ bytes: new Uint8Array([1, 2, 3]) });
    });
    expect(c.inbox).not.toContain('never');
  });

  it('a value that is not a pid reaches no shard: throws naming the argument, or false as on a Runtime', () => {
    const sched = make();
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    // A string or a fraction used to be routed to slot 0's shard and reported as sent.
    expect(() => sched.send('abc' as unknown as number, 1)).toThrow(/send: pid must be a pid.*"abc"/);
    expect(() => sched.notify('abc' as unknown as number, 1)).toThrow(/notify: pid must be a pid/);
    expect(sched.send(1.5, 1)).toBe(false);
    expect(() => sched.link(c.pid, 'abc' as unknown as number)).toThrow(/link: b must be a pid/);
    expect(() => sched.unlink(a, 1.5)).toThrow(/unlink: b must be a pid/);
    expect(() => sched.monitor(c.pid, 'x' as unknown as number)).toThrow(/monitor: target must be a pid/);
    expect(() => sched.register('n', 'abc' as unknown as number)).toThrow(/register: pid must be a pid/);
    expect(() => sched.sendAfter('abc' as unknown as number, 1, 1)).toThrow(/sendAfter: pid must be a pid/);
    expect(() => sched.sendAfter(a, -1, 1)).toThrow(/sendAfter: ms must be a finite number >= 0, got -1/);
    expect(() => sched.exit(a, 42 as unknown as string)).toThrow(
      /exit reason must be a non-empty string, got 42/,
    );
    expect(() => sched.exit('abc' as unknown as number, 'normal')).toThrow(/exit: pid must be a pid/);
    // The failed link did not signal noproc to its valid end.
    expect(sched.isAlive(c.pid)).toBe(true);
  });
});

describe('Scheduler names, monitors and links across shards', () => {
  it('a name registered on one shard is visible from the other shard and the main thread', async () => {
    const sched = make();
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 1 } });
    const b = agent(sched, c.pid, { placement: { shard: 0 } });
    sched.send(a, { cmd: 'register', name: 'svc' });
    await eventually(() => expect(c.inbox).toContainEqual({ registered: true }));
    expect(sched.whereis('svc')).toBe(a);
    sched.send(b, { cmd: 'whereis', name: 'svc' });
    await eventually(() => expect(c.inbox).toContainEqual({ whereis: 'svc', pid: a }));
    sched.send(b, { cmd: 'sendNamed', name: 'svc', body: 'x' });
    await eventually(() => expect(c.inbox).toContainEqual({ sentNamed: true }));
    expect(sched.registered()).toEqual(['svc']);
    sched.kill(a);
    await eventually(() => expect(sched.whereis('svc')).toBeUndefined());
  });

  it('a monitor on another shard gets the down message with the reason', async () => {
    const sched = make();
    const c = collector(sched);
    const watcher = agent(sched, c.pid, { placement: { shard: 0 } });
    const target = agent(sched, c.pid, { placement: { shard: 1 } });
    sched.send(watcher, { cmd: 'monitor', target });
    await eventually(() =>
      expect(c.inbox.some((m) => (m as { monitoring?: number }).monitoring === target)).toBe(true),
    );
    // The exit command goes through the watcher, so it rides the same ring as the monitor request
    // (signals from different senders have no mutual order, here as in OTP).
    sched.send(watcher, { cmd: 'echo', to: target, body: { cmd: 'exit', reason: 'bored' } });
    await eventually(() =>
      expect(c.inbox).toContainEqual({ type: 'down', pid: target, reason: 'bored', from: watcher }),
    );
  });

  it('a main-thread process monitoring a shard process sees it end, and a dead pid reports noproc', async () => {
    const sched = make();
    const downs: unknown[] = [];
    const watcher = sched.spawn({ receive: (m: unknown) => void downs.push(m) });
    const target = agent(sched, watcher, { placement: { shard: 1 } });
    const ref = sched.monitor(watcher, target);
    sched.kill(target);
    await eventually(() =>
      expect(downs).toContainEqual({ type: 'down', ref, pid: target, reason: 'killed' }),
    );
    const ref2 = sched.monitor(watcher, target);
    await eventually(() =>
      expect(downs).toContainEqual({ type: 'down', ref: ref2, pid: target, reason: 'noproc' }),
    );
  });

  it('a link across shards delivers an exit message to a trapping process and kills one that does not trap', async () => {
    const sched = make();
    const c = collector(sched);
    const trapper = agent(sched, c.pid, { placement: { shard: 0 } });
    const plain = agent(sched, c.pid, { placement: { shard: 0 } });
    const doomed = agent(sched, c.pid, { placement: { shard: 1 } });
    sched.send(trapper, { cmd: 'trap', on: true });
    sched.send(trapper, { cmd: 'link', target: doomed });
    sched.send(plain, { cmd: 'link', target: doomed });
    const ref = sched.monitor(c.pid, plain);
    await eventually(() =>
      expect(c.inbox.filter((m) => (m as { linked?: boolean }).linked === true).length).toBe(2),
    );
    sched.send(plain, { cmd: 'echo', to: doomed, body: { cmd: 'exit', reason: 'boom' } });
    await eventually(() =>
      expect(c.inbox).toContainEqual({ type: 'exit', pid: doomed, reason: 'boom', from: trapper }),
    );
    await eventually(() => expect(c.inbox).toContainEqual({ type: 'down', ref, pid: plain, reason: 'boom' }));
  });

  it('linking to a pid on no running shard returns false and signals noproc to a trapping process', async () => {
    const sched = make();
    const got: unknown[] = [];
    const me = sched.spawn({ receive: (m: unknown) => void got.push(m) }, { trapExit: true });
    const ghost = makePid(700, 1);
    expect(sched.link(me, ghost)).toBe(false);
    await eventually(() => expect(got).toEqual([{ type: 'exit', from: ghost, reason: 'noproc' }]));
    expect(sched.send(ghost, 'x')).toBe(false);
  });
});

describe('Scheduler placement', () => {
  it('places by explicit shard, next to a pid, round-robin and least-loaded', async () => {
    const sched = make();
    const c = collector(sched);
    const slots = sched.slots();
    const onOne = agent(sched, c.pid, { placement: { shard: 1 } });
    expect(shardOf(onOne)).toBe(slots[1]);
    const near = agent(sched, c.pid, { placement: { near: onOne } });
    expect(shardOf(near)).toBe(slots[1]);
    const rr = [agent(sched, c.pid), agent(sched, c.pid)].map(shardOf).sort();
    expect(rr).toEqual([...slots].sort());
    // Shard 1 now holds three processes and shard 0 one: least-loaded picks shard 0.
    await eventually(() =>
      expect(shardOf(agent(sched, c.pid, { placement: 'least-loaded' }))).toBe(slots[0]),
    );
  });

  it('refuses to place a closure on a shard and names the fix', () => {
    const sched = make();
    expect(() => sched.spawn({ receive() {} }, { placement: { shard: 0 } })).toThrow(/spawn \{ module \}/);
    expect(() => sched.spawn({ module: AGENT }, { placement: { shard: 7 } })).toThrow(/placement\.shard/);
  });

  it('reports a module that does not export a behaviour as a spawn error', () => {
    const sched = make();
    expect(() => sched.spawn({ module: new URL('./fixtures/not-an-actor.mjs', import.meta.url) })).toThrow(
      /must default-export a behaviour/,
    );
  });

  it('spawnAsync resolves a live pid and info/list see it', async () => {
    const sched = make();
    const pid = await sched.spawnAsync({ module: AGENT }, { placement: { shard: 1 }, label: 'agent' });
    const info = await sched.info(pid);
    expect(info).toMatchObject({ pid, label: 'agent', kind: 'handler' });
    expect(await sched.list()).toContain(pid);
    expect(sched.isAlive(pid)).toBe(true);
  });
});

describe('Scheduler options and bookkeeping', () => {
  it('works with blocking idle waits and spinning shards too', async () => {
    for (const options of [{ idleWait: 'block' as const }, { spinMicros: 20 }]) {
      const sched = make(options);
      expect(await burst(sched, 0, 1, 500)).toHaveLength(500);
      await sched.destroy();
    }
  });

  it("with idleWait 'block', work the runtime queued for later turns runs without waiting out a blocking wait", async () => {
    // One message per runtime tick: the shard's runtime yields (setImmediate) after every
    // delivery, and its rings are empty meanwhile. A shard that blocked in Atomics.wait whenever
    // its rings were empty would hold each of the 300 turns back for up to blockMs (50 ms):
    // ~15 s, past eventually's bound.
    const sched = make({ idleWait: 'block', turnsPerTick: 1, reductions: 1 });
    expect(await burst(sched, 0, 0, 300)).toHaveLength(300);
  });

  it("with idleWait 'block', slow handlers the runtime spreads over ticks by time run without waiting out blocking waits", async () => {
    // 2000 processes whose handlers hold the thread 1 ms each: the runtime yields by its 5 ms
    // tick budget (a few calls per tick, far below turnsPerTick) with the rest queued. A shard
    // that blocked whenever its rings were empty would add up to 50 ms to every tick (~20 s
    // against ~2 s, past eventually's bound).
    const sched = make({ idleWait: 'block' });
    let done = 0;
    const counter = sched.spawn({
      receive() {
        done++;
      },
    });
    const fan = sched.spawn({ module: FAN_OUT }, { placement: { shard: 0 } });
    sched.send(fan, { n: 2000, to: counter });
    await eventually(() => expect(done).toBe(2000));
  });

  it("with idleWait 'block', a receive-loop body a handler just sent to resumes without waiting out a blocking wait", async () => {
    // The main thread asks an agent on shard 0 to forward a number to a receive-loop actor on the
    // same shard, which reports it back; each report triggers the next. The body resumes in a
    // microtask queued behind the Mesh pass: a shard that blocked right away would hold every
    // one of the 400 round trips back for up to 50 ms (~20 s, past eventually's bound).
    const sched = make({ idleWait: 'block' });
    const c = collector(sched);
    const forwarder = agent(sched, c.pid, { placement: { shard: 0 } });
    await ready(c.inbox, [forwarder]);
    const looper = sched.spawn({ module: RECEIVE_LOOP }, { placement: { shard: 0 } });
    const got: number[] = [];
    const driver = sched.spawn({
      receive(msg: unknown) {
        const n = (msg as { got?: number }).got;
        if (n === undefined) return; // the looper's { ready }
        got.push(n);
        if (n < 400) sched.send(forwarder, { cmd: 'echo', to: looper, body: n + 1 });
      },
    });
    sched.send(looper, { to: driver });
    sched.send(forwarder, { cmd: 'echo', to: looper, body: 1 });
    await eventually(() => expect(got.length).toBe(400));
    expect(got).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it('a name is unique across shards and isAlive turns false once a spawned pid has ended', async () => {
    const sched = make();
    const c = collector(sched);
    const a = agent(sched, c.pid, { placement: { shard: 0 } });
    const b = agent(sched, c.pid, { placement: { shard: 1 } });
    expect(sched.register('only', a)).toBe(true);
    expect(sched.register('only', b)).toBe(false);
    sched.send(b, { cmd: 'register', name: 'only' });
    await eventually(() => expect(c.inbox).toContainEqual({ registered: false }));
    expect(sched.isAlive(a)).toBe(true);
    sched.exit(a, 'done');
    await eventually(() => expect(sched.isAlive(a)).toBe(false));
    await eventually(() => expect(sched.whereis('only')).toBeUndefined());
  });

  it('rejects bad options with a message naming the option', () => {
    expect(() => new Scheduler({ shards: 0 })).toThrow(/options\.shards must be an integer/);
    expect(() => new Scheduler({ shards: 1, idleWait: 'nap' as 'block' })).toThrow(/options\.idleWait/);
    expect(() => new Scheduler({ shards: 1, ringBytes: 1000 })).toThrow(
      /options\.ringBytes must be a power of two/,
    );
    // 2^32 passed the old bit test ((2^32 & (2^32 - 1)) is 0) and failed later, allocating.
    for (const maxNames of [1000, 8, 2 ** 32, 1.5, Number.NaN]) {
      expect(() => new Scheduler({ shards: 1, maxNames })).toThrow(
        /options\.maxNames must be a power of two from 16 to 1048576, got /,
      );
    }
  });
});
