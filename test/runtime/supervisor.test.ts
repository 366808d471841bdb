import { afterEach, describe, expect, test } from 'vitest';
import {
  type Pid,
  type Runtime,
  SimulatedClock,
  SupervisorStartError,
  silentLogger,
} from '../../runtime/index.js';
import { eventually, flush } from '../helpers/eventually.js';
import { collector, quietRuntime } from '../helpers/runtime.js';

let rt: Runtime;
afterEach(async () => {
  await rt.shutdown();
});

/** Children that log their starts and stops, with their current pids by id. */
function family(ids: string[]) {
  const log: string[] = [];
  const current = new Map<string, Pid>();
  const children = ids.map((id) => ({
    id,
    start: (r: Runtime) => {
      const pid = r.spawn({
        receive(msg: string, ctx) {
          if (msg === 'crash') throw new Error(`${id} crashed`);
          if (msg === 'quit') ctx.exit('normal');
        },
        terminate(reason) {
          log.push(`stop ${id} ${reason}`);
        },
      });
      log.push(`start ${id}`);
      current.set(id, pid);
      return pid;
    },
  }));
  return { log, current, children };
}

describe('supervisors', () => {
  test('children start in order before supervise returns and stop in reverse order', async () => {
    rt = quietRuntime();
    const f = family(['a', 'b', 'c']);
    const sup = rt.supervise({ strategy: 'one_for_one', children: f.children });
    expect(f.log).toEqual(['start a', 'start b', 'start c']);
    expect(rt.info(sup)?.links).toEqual([...f.current.values()]);
    rt.exit(sup, 'shutdown');
    expect(f.log.slice(3)).toEqual(['stop c shutdown', 'stop b shutdown', 'stop a shutdown']);
    expect([...f.current.values()].some((p) => rt.isAlive(p))).toBe(false);
  });

  test('one_for_one restarts only the child that died', async () => {
    rt = quietRuntime();
    const f = family(['a', 'b', 'c']);
    rt.supervise({ strategy: 'one_for_one', children: f.children });
    const before = new Map(f.current);
    rt.send(f.current.get('b')!, 'crash');
    await eventually(() => expect(f.current.get('b')).not.toBe(before.get('b')));
    expect(rt.isAlive(f.current.get('b')!)).toBe(true);
    expect(f.current.get('a')).toBe(before.get('a'));
    expect(f.current.get('c')).toBe(before.get('c'));
    expect(f.log.slice(3)).toEqual(['stop b crashed', 'start b']);
  });

  test('one_for_all restarts every child after one dies', async () => {
    rt = quietRuntime();
    const f = family(['a', 'b', 'c']);
    rt.supervise({ strategy: 'one_for_all', children: f.children });
    const before = new Map(f.current);
    rt.send(f.current.get('b')!, 'crash');
    await eventually(() => expect(f.log).toHaveLength(9));
    expect(f.log.slice(3)).toEqual([
      'stop b crashed',
      'stop c shutdown',
      'stop a shutdown',
      'start a',
      'start b',
      'start c',
    ]);
    for (const id of ['a', 'b', 'c']) {
      expect(f.current.get(id)).not.toBe(before.get(id));
      expect(rt.isAlive(f.current.get(id)!)).toBe(true);
      expect(rt.isAlive(before.get(id)!)).toBe(false);
    }
  });

  test('rest_for_one restarts the dead child and the ones started after it', async () => {
    rt = quietRuntime();
    const f = family(['a', 'b', 'c', 'd']);
    rt.supervise({ strategy: 'rest_for_one', children: f.children });
    const before = new Map(f.current);
    rt.send(f.current.get('b')!, 'crash');
    await eventually(() => expect(f.log).toHaveLength(10));
    expect(f.log.slice(4)).toEqual([
      'stop b crashed',
      'stop d shutdown',
      'stop c shutdown',
      'start b',
      'start c',
      'start d',
    ]);
    expect(f.current.get('a')).toBe(before.get('a'));
  });

  test('transient children are not restarted after a normal exit; temporary never', async () => {
    rt = quietRuntime();
    const f = family(['t', 'tmp']);
    const sup = rt.supervise({
      strategy: 'one_for_one',
      children: [
        { ...f.children[0]!, restart: 'transient' },
        { ...f.children[1]!, restart: 'temporary' },
      ],
    });
    rt.send(f.current.get('t')!, 'quit');
    rt.send(f.current.get('tmp')!, 'crash');
    await eventually(() => expect(rt.info(sup)?.links).toEqual([]));
    await flush();
    expect(f.log.filter((l) => l.startsWith('start'))).toEqual(['start t', 'start tmp']);
  });

  test('restart intensity exhausted: children stop in reverse order and the supervisor exits shutdown', async () => {
    const clock = new SimulatedClock();
    rt = quietRuntime({ clock });
    const f = family(['a', 'b']);
    const watcher = collector(rt);
    const sup = rt.supervise({
      strategy: 'one_for_one',
      maxRestarts: 2,
      withinMs: 1000,
      children: f.children,
    });
    rt.monitor(watcher.pid, sup);
    for (let i = 0; i < 2; i++) {
      const victim = f.current.get('a')!;
      rt.send(victim, 'crash');
      await eventually(() => expect(f.current.get('a')).not.toBe(victim));
      clock.advance(10);
    }
    expect(rt.isAlive(sup)).toBe(true);
    rt.send(f.current.get('a')!, 'crash');
    await eventually(() => expect(rt.isAlive(sup)).toBe(false));
    expect(f.log.at(-1)).toBe('stop b shutdown');
    expect([...f.current.values()].some((p) => rt.isAlive(p))).toBe(false);
    await eventually(() =>
      expect(watcher.messages).toMatchObject([{ type: 'down', pid: sup, reason: 'shutdown' }]),
    );
  });

  test('restarts spread beyond the window do not exhaust the budget', async () => {
    const clock = new SimulatedClock();
    rt = quietRuntime({ clock });
    const f = family(['a']);
    const sup = rt.supervise({
      strategy: 'one_for_one',
      maxRestarts: 1,
      withinMs: 100,
      children: f.children,
    });
    for (let i = 0; i < 5; i++) {
      const victim = f.current.get('a')!;
      rt.send(victim, 'crash');
      await eventually(() => expect(f.current.get('a')).not.toBe(victim));
      clock.advance(150);
    }
    expect(rt.isAlive(sup)).toBe(true);
  });

  test('a supervisor that gives up escalates to its own supervisor, which restarts it', async () => {
    rt = quietRuntime();
    const f = family(['leaf']);
    let innerStarts = 0;
    let inner: Pid = 0;
    rt.supervise({
      strategy: 'one_for_one',
      maxRestarts: 5,
      children: [
        {
          id: 'inner',
          start: (r) => {
            innerStarts++;
            inner = r.supervise({ strategy: 'one_for_one', maxRestarts: 0, children: f.children });
            return inner;
          },
        },
      ],
    });
    const firstInner = inner;
    rt.send(f.current.get('leaf')!, 'crash');
    await eventually(() => expect(innerStarts).toBe(2));
    expect(rt.isAlive(firstInner)).toBe(false);
    expect(rt.isAlive(inner)).toBe(true);
    expect(rt.isAlive(f.current.get('leaf')!)).toBe(true);
  });

  test('a child that fails to start makes supervise throw and stops the started ones', () => {
    rt = quietRuntime();
    const f = family(['a']);
    expect(() =>
      rt.supervise({
        strategy: 'one_for_one',
        children: [
          f.children[0]!,
          {
            id: 'broken',
            start: () => {
              throw new Error('no config');
            },
          },
        ],
      }),
    ).toThrow(SupervisorStartError);
    expect(f.log).toEqual(['start a', 'stop a shutdown']);
    expect(rt.list()).toEqual([]);
  });

  test('a bad spec is a clear error naming the field', () => {
    rt = quietRuntime();
    expect(() => rt.supervise({ strategy: 'one_for_some' as never, children: [] })).toThrow(
      /spec.strategy must be/,
    );
    expect(() =>
      rt.supervise({
        strategy: 'one_for_one',
        children: [
          { id: 'x', start: () => 1 },
          { id: 'x', start: () => 1 },
        ],
      }),
    ).toThrow(/child id "x" is used twice/);
    expect(() => rt.supervise({ strategy: 'one_for_one', maxRestarts: -1, children: [] })).toThrow(
      /maxRestarts/,
    );
  });

  test('shutdown stops supervised children before their supervisor', async () => {
    rt = quietRuntime();
    const f = family(['a', 'b']);
    rt.supervise({ strategy: 'one_for_one', children: f.children });
    expect(await rt.shutdown()).toBe(3);
    expect(f.log.slice(2)).toEqual(['stop b shutdown', 'stop a shutdown']);
  });
});

test('a child that fails to restart is reported on the logger and retried within the budget', async () => {
  const errors: string[] = [];
  rt = quietRuntime({
    logger: { ...silentLogger, error: (m: string) => errors.push(m) },
  });
  let starts = 0;
  let victim: Pid = 0;
  const sup = rt.supervise({
    strategy: 'one_for_one',
    maxRestarts: 5,
    children: [
      {
        id: 'flaky',
        start: (r) => {
          starts++;
          if (starts === 2) throw new Error('config not ready');
          victim = r.spawn({ receive() {} });
          return victim;
        },
      },
    ],
  });
  const first = victim;
  rt.exit(first, 'boom');
  await eventually(() => expect(starts).toBe(3));
  expect(rt.isAlive(victim)).toBe(true);
  expect(rt.isAlive(sup)).toBe(true);
  expect(errors).toEqual([
    expect.stringMatching(
      /supervisor <0\.\d+>: supervisor child "flaky" failed to start: Error: config not ready; retrying/,
    ),
  ]);
});
