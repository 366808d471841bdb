import { afterEach, describe, expect, test } from 'vitest';
import {
  type DownMessage,
  type ExitMessage,
  InvalidArgumentError,
  ProcessStateError,
  ReceiveTimeoutError,
  type Runtime,
} from '../../runtime/index.js';
import { eventually, flush } from '../helpers/eventually.js';
import { collector, idle, quietRuntime } from '../helpers/runtime.js';

let rt: Runtime;
afterEach(async () => {
  await rt.shutdown();
});

function downs(messages: unknown[]): DownMessage[] {
  return messages.filter((m): m is DownMessage => (m as DownMessage)?.type === 'down');
}

describe('monitors', () => {
  test.each([
    ['normal', (rt: Runtime) => rt.spawn(async () => {})],
    ['crashed', (rt: Runtime) => rt.spawn(async () => Promise.reject(new Error('boom')))],
    [
      'killed',
      (rt: Runtime) => {
        const pid = idle(rt);
        queueMicrotask(() => rt.kill(pid));
        return pid;
      },
    ],
    ['timeout', (rt: Runtime) => rt.spawn(async (ctx) => ctx.receive({ timeout: 1 }))],
    ['custom_reason', (rt: Runtime) => rt.spawn(async (ctx) => ctx.exit('custom_reason'))],
    [
      'shutdown',
      (rt: Runtime) => {
        const pid = idle(rt);
        queueMicrotask(() => rt.exit(pid, 'shutdown'));
        return pid;
      },
    ],
  ])('a monitor sees the exit reason %s', async (reason, start) => {
    rt = quietRuntime();
    const watcher = collector(rt);
    const target = start(rt);
    const ref = rt.monitor(watcher.pid, target);
    await eventually(() => expect(downs(watcher.messages)).toHaveLength(1));
    const down = downs(watcher.messages)[0]!;
    expect(down).toMatchObject({ type: 'down', ref, pid: target, reason });
    if (reason === 'crashed') expect((down.error as Error).message).toBe('boom');
    if (reason === 'timeout') expect(down.error).toBeInstanceOf(ReceiveTimeoutError);
  });

  test('monitoring a dead pid reports noproc at once', async () => {
    rt = quietRuntime();
    const watcher = collector(rt);
    const dead = idle(rt);
    rt.kill(dead);
    const ref = rt.monitor(watcher.pid, dead);
    expect(rt.info(watcher.pid)?.mailboxDepth).toBe(1);
    await eventually(() =>
      expect(watcher.messages).toEqual([{ type: 'down', ref, pid: dead, reason: 'noproc' }]),
    );
  });

  test('a body that throws is reaped and its error reported to monitors and crash listeners', async () => {
    rt = quietRuntime();
    const crashes: unknown[] = [];
    rt.on('crash', (pid, reason, error) => crashes.push({ pid, reason, error }));
    const watcher = collector(rt);
    const err = new Error('kaboom');
    const pid = rt.spawn({
      receive() {
        throw err;
      },
    });
    rt.monitor(watcher.pid, pid);
    rt.send(pid, 'go');
    await eventually(() => expect(downs(watcher.messages)).toHaveLength(1));
    expect(downs(watcher.messages)[0]).toMatchObject({ reason: 'crashed', error: err });
    expect(crashes).toEqual([{ pid, reason: 'crashed', error: err }]);
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.stats().crashed).toBe(1);
  });

  test('demonitor stops the down message', async () => {
    rt = quietRuntime();
    const watcher = collector(rt);
    const target = idle(rt);
    const ref = rt.monitor(watcher.pid, target);
    expect(rt.demonitor(ref)).toBe(true);
    expect(rt.demonitor(ref)).toBe(false);
    rt.kill(target);
    await flush();
    expect(watcher.messages).toEqual([]);
  });

  test('kill of a parked receiver ends it at once and its receive never resumes', async () => {
    rt = quietRuntime();
    const watcher = collector(rt);
    let resumed = false;
    const pid = rt.spawn(async (ctx) => {
      await ctx.receive();
      resumed = true;
    });
    await flush();
    expect(rt.info(pid)?.status).toBe('waiting');
    rt.monitor(watcher.pid, pid);
    rt.kill(pid);
    expect(rt.isAlive(pid)).toBe(false);
    expect(rt.send(pid, 'late')).toBe(false);
    await eventually(() => expect(downs(watcher.messages)[0]?.reason).toBe('killed'));
    expect(resumed).toBe(false);
  });
});

describe('links', () => {
  test('an abnormal exit cascades over links with the same reason', async () => {
    rt = quietRuntime();
    const watcher = collector(rt);
    const a = idle(rt);
    const b = idle(rt);
    const c = idle(rt);
    rt.link(a, b);
    rt.link(b, c);
    for (const p of [a, b, c]) rt.monitor(watcher.pid, p);
    rt.exit(a, 'disk_full');
    expect([a, b, c].map((p) => rt.isAlive(p))).toEqual([false, false, false]);
    await eventually(() => expect(downs(watcher.messages)).toHaveLength(3));
    expect(downs(watcher.messages).map((d) => [d.pid, d.reason])).toEqual([
      [a, 'disk_full'],
      [b, 'disk_full'],
      [c, 'disk_full'],
    ]);
  });

  test('a normal exit does not cascade', async () => {
    rt = quietRuntime();
    const a = rt.spawn(async (ctx) => {
      await ctx.receive();
    });
    const b = idle(rt);
    rt.link(a, b);
    rt.send(a, 'finish');
    await eventually(() => expect(rt.isAlive(a)).toBe(false));
    expect(rt.isAlive(b)).toBe(true);
  });

  test('a process trapping exits receives an exit message instead of dying', async () => {
    rt = quietRuntime();
    const trapper = collector(rt, { trapExit: true });
    const a = idle(rt);
    rt.link(trapper.pid, a);
    rt.exit(a, 'oops');
    expect(rt.isAlive(trapper.pid)).toBe(true);
    await eventually(() =>
      expect(trapper.messages).toEqual([{ type: 'exit', from: a, reason: 'oops' } satisfies ExitMessage]),
    );
    expect(rt.info(trapper.pid)?.links).toEqual([]);
  });

  test('a trapping process is told of a normal exit of a linked process too', async () => {
    rt = quietRuntime();
    const trapper = collector(rt, { trapExit: true });
    const a = rt.spawn(async () => {});
    rt.link(trapper.pid, a);
    await eventually(() => expect(trapper.messages).toEqual([{ type: 'exit', from: a, reason: 'normal' }]));
  });

  test('a crash carries its error over links to a trapping process', async () => {
    rt = quietRuntime();
    const trapper = collector(rt, { trapExit: true });
    const err = new Error('bad');
    const a = rt.spawn(async () => {
      throw err;
    });
    rt.link(trapper.pid, a);
    await eventually(() =>
      expect(trapper.messages).toEqual([{ type: 'exit', from: a, reason: 'crashed', error: err }]),
    );
  });

  test('unlink stops propagation', async () => {
    rt = quietRuntime();
    const a = idle(rt);
    const b = idle(rt);
    rt.link(a, b);
    expect(rt.unlink(b, a)).toBe(true);
    rt.exit(a, 'boom');
    expect(rt.isAlive(b)).toBe(true);
  });

  test('linking to a dead pid sends a noproc exit signal', async () => {
    rt = quietRuntime();
    const trapper = collector(rt, { trapExit: true });
    const dead = idle(rt);
    rt.kill(dead);
    expect(rt.link(trapper.pid, dead)).toBe(false);
    await eventually(() =>
      expect(trapper.messages).toEqual([{ type: 'exit', from: dead, reason: 'noproc' }]),
    );
    const plain = idle(rt);
    expect(rt.link(plain, dead)).toBe(false);
    expect(rt.isAlive(plain)).toBe(false);
  });

  test('a link requested on behalf of a dead process does nothing to the live side', () => {
    rt = quietRuntime();
    const dead = idle(rt);
    rt.kill(dead);
    const live = idle(rt);
    expect(rt.link(dead, live)).toBe(false);
    expect(rt.isAlive(live)).toBe(true);
    expect(rt.info(live)?.links).toEqual([]);
  });

  test('spawnLink from a process links parent and child', async () => {
    rt = quietRuntime();
    let child = 0;
    const parent = rt.spawn(async (ctx) => {
      child = ctx.spawnLink(async (c) => {
        await c.receive();
      });
      await ctx.receive();
    });
    await eventually(() => expect(child).not.toBe(0));
    expect(rt.info(parent)?.links).toEqual([child]);
    rt.exit(child, 'boom');
    expect(rt.isAlive(parent)).toBe(false);
  });

  test('exit signals follow OTP rules: trapped, ignored when normal, untrappable kill', async () => {
    rt = quietRuntime();
    const trapper = collector(rt, { trapExit: true });
    const plain = idle(rt);
    let sender = 0;
    const results: boolean[] = [];
    sender = rt.spawn(async (ctx) => {
      results.push(ctx.exitSignal(trapper.pid, 'stop'));
      results.push(ctx.exitSignal(plain, 'normal'));
      results.push(ctx.exitSignal(trapper.pid, 'kill'));
      await ctx.receive();
    });
    await eventually(() => expect(results).toEqual([true, true, true]));
    expect(rt.isAlive(plain)).toBe(true);
    expect(rt.isAlive(trapper.pid)).toBe(false);
    expect(trapper.messages).toEqual([]);
    rt.spawn(async (ctx) => {
      ctx.exitSignal(plain, 'stop');
    });
    await eventually(() => expect(rt.isAlive(plain)).toBe(false));
    expect(rt.isAlive(sender)).toBe(true);
  });

  test('terminate runs with the reason except on kill', async () => {
    rt = quietRuntime();
    const reasons: string[] = [];
    const make = () =>
      rt.spawn({
        receive() {},
        terminate(reason) {
          reasons.push(reason);
        },
      });
    rt.exit(make(), 'shutdown');
    rt.kill(make());
    rt.exit(make(), 'custom');
    expect(reasons).toEqual(['shutdown', 'custom']);
  });

  test("exit(pid, 'kill') is a kill, as Erlang's exit(Pid, kill): reason killed, no terminate", async () => {
    rt = quietRuntime();
    const reasons: string[] = [];
    const victim = rt.spawn({
      receive() {},
      terminate(reason) {
        reasons.push(reason);
      },
    });
    const { pid: watcher, messages } = collector(rt);
    rt.monitor(watcher, victim);
    expect(rt.exit(victim, 'kill')).toBe(true);
    await eventually(() => expect(downs(messages).map((d) => d.reason)).toEqual(['killed']));
    expect(reasons).toEqual([]);
    expect(rt.isAlive(victim)).toBe(false);
  });

  test('a long link chain cascades without overflowing the stack', async () => {
    rt = quietRuntime();
    const pids = Array.from({ length: 50_000 }, () => idle(rt));
    for (let i = 1; i < pids.length; i++) rt.link(pids[i - 1]!, pids[i]!);
    rt.exit(pids[0]!, 'boom');
    expect(rt.list()).toEqual([]);
  });
});

describe('receive timeouts', () => {
  test('a caught receive timeout lets the body go on', async () => {
    rt = quietRuntime();
    const events: string[] = [];
    const pid = rt.spawn(async (ctx) => {
      try {
        await ctx.receive({ timeout: 1 });
      } catch (err) {
        events.push((err as ReceiveTimeoutError).code);
      }
      events.push(String(await ctx.receive()));
    });
    await eventually(() => expect(events).toEqual(['WACTOR_ERR_RECEIVE_TIMEOUT']));
    rt.send(pid, 'after');
    await eventually(() => expect(events).toEqual(['WACTOR_ERR_RECEIVE_TIMEOUT', 'after']));
  });

  test('receive in a handler process is a clear error', async () => {
    rt = quietRuntime();
    const watcher = collector(rt);
    const pid = rt.spawn({
      receive(_msg, ctx) {
        void ctx.receive();
      },
    });
    rt.monitor(watcher.pid, pid);
    rt.send(pid, 'x');
    await eventually(() => expect(downs(watcher.messages)).toHaveLength(1));
    expect((downs(watcher.messages)[0]!.error as Error).message).toMatch(/only for receive-loop processes/);
  });
});

describe('shutdown', () => {
  test('shutdown stops every process, reports the count and refuses new spawns', async () => {
    rt = quietRuntime();
    for (let i = 0; i < 5; i++) idle(rt);
    rt.spawn(async (ctx) => {
      await ctx.receive();
    });
    const reasons: string[] = [];
    rt.on('exit', (_pid, reason) => reasons.push(reason));
    expect(await rt.shutdown()).toBe(6);
    expect(reasons).toEqual(Array(6).fill('shutdown'));
    expect(rt.list()).toEqual([]);
    expect(() => idle(rt)).toThrow(/shut down/);
    expect(await rt.shutdown()).toBe(0);
  });

  test('list() gives live pids oldest first and shutdown stops them newest first', async () => {
    rt = quietRuntime();
    // Enough processes to grow the pid table, with exits in between, so order cannot come from
    // insertion into a small table by chance.
    const pids = Array.from({ length: 3000 }, () => idle(rt));
    for (let i = 0; i < pids.length; i += 3) rt.exit(pids[i]!, 'normal');
    const live = pids.filter((_, i) => i % 3 !== 0);
    expect(rt.list()).toEqual(live);
    const stopped: number[] = [];
    rt.on('exit', (pid) => stopped.push(pid));
    await rt.shutdown();
    expect(stopped).toEqual([...live].reverse());
  });
});

describe('terminate and listeners', () => {
  test('terminate may still send a goodbye, but a dead process sends nothing afterwards', async () => {
    rt = quietRuntime();
    const sink = collector(rt);
    let ctxRef: import('../../runtime/index.js').Context | undefined;
    const pid = rt.spawn({
      init(ctx) {
        ctxRef = ctx;
      },
      receive() {},
      terminate(reason, ctx) {
        ctx.send(sink.pid, `bye ${reason}`);
      },
    });
    await eventually(() => expect(ctxRef).toBeDefined());
    rt.exit(pid, 'done');
    expect(ctxRef!.send(sink.pid, 'from the grave')).toBe(false);
    await eventually(() => expect(sink.messages).toEqual(['bye done']));
  });

  test('a throwing exit listener does not stop other exits from being processed', async () => {
    rt = quietRuntime();
    rt.on('exit', () => {
      throw new Error('listener bug');
    });
    const a = idle(rt);
    const b = idle(rt);
    rt.link(a, b);
    rt.exit(a, 'boom');
    expect(rt.isAlive(b)).toBe(false);
    const c = idle(rt);
    rt.kill(c);
    expect(rt.list()).toEqual([]);
  });

  test("ctx.exit: 'kill' ends the process as killed (no terminate), a bad reason crashes it, and inside terminate it does nothing", async () => {
    rt = quietRuntime();
    const ends: string[] = [];
    rt.on('exit', (_pid, reason, error) =>
      ends.push(error === undefined ? reason : `${reason}: ${(error as Error).message}`),
    );
    const terminated: string[] = [];
    const killer = rt.spawn({
      init: (ctx) => ctx.exit('kill'),
      receive() {},
      terminate: (reason) => terminated.push(`killer ${reason}`),
    });
    const bad = rt.spawn({ init: (ctx) => ctx.exit('' as never), receive() {} });
    const late = rt.spawn({
      init: (ctx) => ctx.exit('first'),
      receive() {},
      terminate: (reason, ctx) => {
        terminated.push(`late ${reason}`);
        ctx.exit('second');
      },
    });
    await eventually(() => expect(ends).toHaveLength(3));
    expect(ends).toEqual(['killed', 'crashed: exit reason must be a non-empty string, got ""', 'first']);
    expect(terminated).toEqual(['late first']);
    for (const pid of [killer, bad, late]) expect(rt.isAlive(pid)).toBe(false);
  });

  test("on('kill') hears only killed exits, before the exit listeners", async () => {
    rt = quietRuntime();
    const seen: string[] = [];
    const behaviours: unknown[] = [];
    rt.on('kill', (_pid, reason, _error, behaviour) => {
      seen.push(`kill ${reason}`);
      behaviours.push(behaviour);
    });
    rt.on('exit', (_pid, reason) => seen.push(`exit ${reason}`));
    const handler = { receive() {} };
    const body = async (ctx: { receive(): Promise<unknown> }) => {
      await ctx.receive();
    };
    rt.exit(idle(rt), 'normal');
    rt.exit(rt.spawn(handler), 'kill');
    rt.kill(rt.spawn(body));
    await eventually(() =>
      expect(seen).toEqual(['exit normal', 'kill killed', 'exit killed', 'kill killed', 'exit killed']),
    );
    // Each kill listener call gets the behaviour the process was spawned with.
    expect(behaviours).toEqual([handler, body]);
    expect(behaviours[0]).toBe(handler);
    expect(behaviours[1]).toBe(body);
  });

  test('on() names a bad event or listener, and the function it returns removes the listener', async () => {
    rt = quietRuntime();
    expect(() => rt.on('stop' as never, () => {})).toThrow(InvalidArgumentError);
    expect(() => rt.on('stop' as never, () => {})).toThrow(
      /on: event must be 'exit', 'crash' or 'kill', got "stop"/,
    );
    expect(() => rt.on('exit', 42 as never)).toThrow(/on: listener must be a function, got 42/);
    const seen: string[] = [];
    const offA = rt.on('exit', (_pid, reason) => seen.push(`a ${reason}`));
    rt.on('exit', (_pid, reason) => seen.push(`b ${reason}`));
    rt.exit(idle(rt), 'first');
    await eventually(() => expect(seen).toEqual(['a first', 'b first']));
    offA();
    offA(); // a second call is harmless
    rt.exit(idle(rt), 'second');
    await eventually(() => expect(seen).toEqual(['a first', 'b first', 'b second']));
  });
});

describe('receive misuse', () => {
  test('a second receive while one is pending is a process-state error naming the process', async () => {
    rt = quietRuntime();
    let error: unknown;
    const pid = rt.spawn(async (ctx) => {
      const first = ctx.receive();
      try {
        void ctx.receive();
      } catch (err) {
        error = err;
      }
      await first;
    });
    await eventually(() => expect(error).toBeDefined());
    expect(error).toBeInstanceOf(ProcessStateError);
    expect((error as Error).message).toMatch(/process <0\.\d+> already has a receive pending/);
    rt.send(pid, 'done');
    await eventually(() => expect(rt.isAlive(pid)).toBe(false));
  });

  test('sendNamed honours the bounded mailbox and counts the refusal', async () => {
    rt = quietRuntime();
    const pid = rt.spawn(
      async (ctx) => {
        await ctx.receive({ match: () => false });
      },
      { mailboxCapacity: 1 },
    );
    rt.register('small', pid);
    await flush();
    expect(rt.sendNamed('small', 1)).toBe(true);
    expect(rt.sendNamed('small', 2)).toBe(false);
    expect(rt.info(pid)?.messagesRefused).toBe(1);
  });
});
