import { afterEach, describe, expect, test } from 'vitest';
import { InvalidArgumentError, type Runtime, SimulatedClock } from '../../runtime/index.js';
import { eventually, flush } from '../helpers/eventually.js';
import { collector, idle, quietRuntime } from '../helpers/runtime.js';

let rt: Runtime;
afterEach(async () => {
  await rt.shutdown();
});

describe('names', () => {
  test('a registered name resolves and routes sends', async () => {
    rt = quietRuntime();
    const sink = collector(rt);
    expect(rt.register('sink', sink.pid)).toBe(true);
    expect(rt.whereis('sink')).toBe(sink.pid);
    expect(rt.sendNamed('sink', 'hi')).toBe(true);
    expect(rt.sendNamed('nobody', 'hi')).toBe(false);
    await eventually(() => expect(sink.messages).toEqual(['hi']));
  });

  test('one pid may hold several names and all are released on exit', async () => {
    rt = quietRuntime();
    const pid = idle(rt);
    expect(rt.register('a', pid)).toBe(true);
    expect(rt.register('b', pid)).toBe(true);
    expect(rt.info(pid)?.names).toEqual(['a', 'b']);
    rt.exit(pid, 'normal');
    expect(rt.whereis('a')).toBeUndefined();
    expect(rt.whereis('b')).toBeUndefined();
    expect(rt.registered()).toEqual([]);
    const other = idle(rt);
    expect(rt.register('a', other)).toBe(true);
  });

  test('registering a taken name or a dead pid returns false', async () => {
    rt = quietRuntime();
    const a = idle(rt);
    const b = idle(rt);
    expect(rt.register('svc', a)).toBe(true);
    expect(rt.register('svc', b)).toBe(false);
    rt.kill(b);
    expect(rt.register('other', b)).toBe(false);
    expect(rt.unregister('svc')).toBe(true);
    expect(rt.unregister('svc')).toBe(false);
    expect(rt.info(a)?.names).toEqual([]);
  });

  test('a process registers itself from its context', async () => {
    rt = quietRuntime();
    const pid = rt.spawn(async (ctx) => {
      ctx.register('me');
      await ctx.receive();
    });
    await eventually(() => expect(rt.whereis('me')).toBe(pid));
  });

  test('a non-string name is a clear error at the call', () => {
    rt = quietRuntime();
    const pid = idle(rt);
    expect(() => rt.register(42 as unknown as string, pid)).toThrow(InvalidArgumentError);
    expect(() => rt.register('', pid)).toThrow(/register: name must be a non-empty string, got ""/);
    expect(() => rt.whereis(undefined as unknown as string)).toThrow(/whereis: name/);
  });
});

describe('timers (simulated clock)', () => {
  test('sendAfter fires at its due time, in due order', async () => {
    const clock = new SimulatedClock();
    rt = quietRuntime({ clock });
    const sink = collector(rt);
    rt.sendAfter(sink.pid, 200, 'late');
    rt.sendAfter(sink.pid, 100, 'early');
    clock.advance(99);
    await flush();
    expect(sink.messages).toEqual([]);
    clock.advance(1);
    await flush();
    expect(sink.messages).toEqual(['early']);
    clock.advance(100);
    await flush();
    expect(sink.messages).toEqual(['early', 'late']);
  });

  test('a cancelled timer never fires and cancel reports whether it was pending', async () => {
    const clock = new SimulatedClock();
    rt = quietRuntime({ clock });
    const sink = collector(rt);
    const t = rt.sendAfter(sink.pid, 50, 'x');
    expect(t.cancel()).toBe(true);
    expect(t.cancel()).toBe(false);
    clock.advance(100);
    await flush();
    expect(sink.messages).toEqual([]);
    const fired = rt.sendAfter(sink.pid, 10, 'y');
    clock.advance(10);
    expect(fired.cancel()).toBe(false);
    await flush();
    expect(sink.messages).toEqual(['y']);
  });

  test('a receive timeout fires on the simulated clock', async () => {
    const clock = new SimulatedClock();
    rt = quietRuntime({ clock });
    const watcher = collector(rt);
    const pid = rt.spawn(async (ctx) => {
      await ctx.receive({ timeout: 1000 });
    });
    rt.monitor(watcher.pid, pid);
    await flush();
    clock.advance(999);
    await flush();
    expect(rt.isAlive(pid)).toBe(true);
    clock.advance(1);
    await eventually(() => expect(rt.isAlive(pid)).toBe(false));
    await eventually(() => expect(watcher.messages).toMatchObject([{ type: 'down', reason: 'timeout' }]));
  });

  test('a negative or non-finite delay is a clear error', () => {
    rt = quietRuntime();
    const pid = idle(rt);
    expect(() => rt.sendAfter(pid, -1, 'x')).toThrow(/sendAfter: ms must be a finite number >= 0, got -1/);
    expect(() => rt.sendAfter(pid, Number.NaN, 'x')).toThrow(InvalidArgumentError);
    expect(() => rt.sendAfter(pid, Infinity, 'x')).toThrow(InvalidArgumentError);
  });

  test('shutdown cancels pending timers', async () => {
    const clock = new SimulatedClock();
    rt = quietRuntime({ clock });
    rt.sendAfter(idle(rt), 10, 'x');
    expect(clock.pending).toBe(1);
    await rt.shutdown();
    expect(clock.pending).toBe(0);
  });
});

describe('info and validation', () => {
  test('info reports names, links, monitors, mailbox, label, status and counts', async () => {
    rt = quietRuntime();
    const other = idle(rt);
    const pid = rt.spawn(
      async (ctx) => {
        await ctx.receive({ match: (m) => m === 'go' });
        await ctx.receive({ match: () => false });
      },
      { label: 'probe' },
    );
    rt.register('probe', pid);
    rt.link(pid, other);
    const ref = rt.monitor(pid, other);
    await flush();
    rt.send(pid, 'queued');
    rt.send(pid, 'go');
    await flush();
    expect(rt.info(pid)).toEqual({
      pid,
      label: 'probe',
      kind: 'receive-loop',
      status: 'waiting',
      names: ['probe'],
      links: [other],
      monitors: [{ ref, pid: other }],
      monitoredBy: [],
      mailboxDepth: 1,
      mailboxCapacity: Infinity,
      messagesHandled: 1,
      messagesRefused: 0,
      trapExit: false,
    });
    expect(rt.info(other)?.monitoredBy).toEqual([{ ref, pid }]);
    rt.kill(pid);
    expect(rt.info(pid)).toBeUndefined();
  });

  test('bad behaviours and options are clear errors at the call', () => {
    rt = quietRuntime();
    expect(() => rt.spawn(42 as never)).toThrow(/behaviour must be a function .* got 42/);
    expect(() => rt.spawn({} as never)).toThrow(/receive\(msg, ctx\) method, got an object/);
    expect(() => rt.spawn({ receive() {} }, { mailboxCapacity: 0 })).toThrow(
      /options.mailboxCapacity must be a positive integer/,
    );
    expect(() => rt.send('pid' as never, 1)).toThrow(/send: pid must be a pid/);
    expect(() => rt.exit(idle(rt), '' as never)).toThrow(/exit reason must be a non-empty string/);
    expect(() => quietRuntime({ shard: 5000 })).toThrow(/options.shard must be an integer in 0..1023/);
  });

  test('pids pack the runtime shard', () => {
    rt = quietRuntime({ shard: 7 });
    const pid = idle(rt);
    expect(pid % 1024).toBe(7);
  });
});
