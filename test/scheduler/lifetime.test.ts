import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { agent, collector } from './helpers.js';

let s: Scheduler | undefined;
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

describe('Scheduler lifetime', () => {
  it('a process that creates and closes a scheduler exits by itself with code 0', async () => {
    const script = fileURLToPath(new URL('./fixtures/close-then-exit.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('did not exit within 20 s');
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out)).toEqual({ reply: 'hello', stopped: 1 });
  });

  it('close stops every process on every shard, resolves the count, and refuses new spawns', async () => {
    s = new Scheduler({ shards: 2, logger: silentLogger });
    const c = collector(s);
    agent(s, c.pid, { placement: { shard: 0 } });
    agent(s, c.pid, { placement: { shard: 1 } });
    const first = s.close();
    expect(s.close()).toBe(first);
    expect(await first).toBe(3);
    expect(() => s?.spawn({ receive() {} })).toThrow(/closed/);
  });
});
