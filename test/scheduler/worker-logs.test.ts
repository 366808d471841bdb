import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../runtime/logger.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { forwardingLogger, relayLog } from '../../scheduler/worker-logger.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { eventually } from '../helpers/eventually.js';
import { AGENT } from './helpers.js';

interface Entry {
  level: string;
  message: string;
  data: Record<string, unknown> | undefined;
}

function capture(): { logger: Logger; entries: Entry[] } {
  const entries: Entry[] = [];
  const at = (level: string) => (message: string, data?: Record<string, unknown>) =>
    void entries.push({ level, message, data });
  return { logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }, entries };
}

let s: Scheduler | undefined;
const channels: MessageChannel[] = [];
afterEach(async () => {
  await s?.destroy();
  s = undefined;
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

describe('shard workers log through the Scheduler logger', () => {
  it('a JS actor crashing on a shard is reported on the main thread with its shard and error stack', async () => {
    const { logger, entries } = capture();
    s = new Scheduler({ shards: 2, logger });
    await s.ready;
    const pid = s.spawn({ module: AGENT }, { placement: { shard: 1 } });
    s.send(pid, { cmd: 'throw', message: 'boom on a shard' });
    const report = await eventually(() => {
      const e = entries.find((x) => x.level === 'error' && /crashed/.test(x.message));
      expect(e).toBeDefined();
      return e!;
    });
    expect(report.data?.shard).toBe(1);
    expect(report.data?.pid).toBe(pid);
    const error = report.data?.error as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('boom on a shard');
    expect(error.stack).toContain('agent.mjs');
  });

  it('a Wasm guest trapping on a shard is reported the same way', async () => {
    const { logger, entries } = capture();
    s = new Scheduler({ shards: 1, logger });
    const pid = s.spawn({ wasm: exampleGuestPath('crasher') });
    s.send(pid, new TextEncoder().encode('unreachable'));
    const report = await eventually(() => {
      const e = entries.find((x) => x.level === 'error' && x.data?.pid === pid);
      expect(e).toBeDefined();
      return e!;
    });
    expect(report.data?.shard).toBe(0);
    expect((report.data!.error as Error).message).toMatch(/unreachable/);
  });
});

describe('worker log records', () => {
  it('a value the structured clone refuses travels as its string; the rest keeps its shape', async () => {
    const channel = new MessageChannel();
    channels.push(channel);
    const got = new Promise<unknown>((ok) => channel.port2.once('message', ok));
    forwardingLogger(channel.port1).warn('odd data', { pid: 7, fn: () => 1, error: new RangeError('r') });
    const { logger, entries } = capture();
    expect(relayLog(await got, 3, logger)).toBe(true);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: 'warn', message: 'odd data', data: { pid: 7, shard: 3 } });
    expect(typeof entries[0]!.data!.fn).toBe('string');
    expect(entries[0]!.data!.error).toBeInstanceOf(RangeError);
  });

  it('relayLog leaves other messages alone and treats an unknown level as error', () => {
    const { logger, entries } = capture();
    expect(relayLog({ type: 'ready' }, 0, logger)).toBe(false);
    expect(relayLog(null, 0, logger)).toBe(false);
    expect(relayLog({ type: 'log', level: 'shout', message: 'x' }, 2, logger)).toBe(true);
    expect(entries).toEqual([{ level: 'error', message: 'x', data: { shard: 2 } }]);
  });
});

describe('close with a supervisor on the main thread', () => {
  it('stops the supervised shard children without restart attempts or crash reports', async () => {
    const { logger, entries } = capture();
    s = new Scheduler({ shards: 1, logger });
    await s.ready;
    const sched = s;
    const starts: number[] = [];
    sched.supervise({
      strategy: 'one_for_one',
      maxRestarts: 5,
      withinMs: 10_000,
      children: [
        {
          id: 'agent',
          start: () => {
            const pid = sched.spawn({ module: AGENT });
            starts.push(pid);
            return pid;
          },
        },
      ],
    });
    expect(starts).toHaveLength(1);
    await sched.close();
    expect(starts).toHaveLength(1);
    expect(entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
