import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { eventually } from '../helpers/eventually.js';
import { collector } from './helpers.js';

const JOB = new URL('./fixtures/job.mjs', import.meta.url);
let s: Scheduler | undefined;
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

describe('Scheduler.run one-off jobs', () => {
  it('runs a job on the pool and delivers the result to an actor as a message', async () => {
    s = new Scheduler({ shards: 1, logger: silentLogger });
    const c = collector(s);
    const value = await s.run<number>({ module: JOB, input: [1, 2, 3, 4], replyTo: c.pid, id: 'sum' });
    expect(value).toBe(10);
    await eventually(() => expect(c.inbox).toEqual([{ type: 'job', id: 'sum', ok: true, value: 10 }]));
  });

  it('a job that throws rejects and the actor gets ok: false with the error code', async () => {
    s = new Scheduler({ shards: 1, logger: silentLogger });
    const c = collector(s);
    await expect(s.run({ module: JOB, name: 'fail', replyTo: c.pid })).rejects.toMatchObject({
      code: 'WACTOR_ERR_SCHEDULER_JOB',
      message: expect.stringContaining('job exploded'),
    });
    await eventually(() =>
      expect(c.inbox).toEqual([
        {
          type: 'job',
          id: null,
          ok: false,
          error: { code: 'WACTOR_ERR_SCHEDULER_JOB', message: expect.stringContaining('job exploded') },
        },
      ]),
    );
  });

  it('a job past its timeout rejects with the timeout code', async () => {
    s = new Scheduler({ shards: 1, logger: silentLogger });
    await expect(s.run({ module: JOB, name: 'spin', input: 5000, timeout: 50 })).rejects.toMatchObject({
      code: 'WACTOR_ERR_SCHEDULER_JOB_TIMEOUT',
    });
  });

  it('an aborted signal rejects the job with the aborted code', async () => {
    s = new Scheduler({ shards: 1, logger: silentLogger });
    const controller = new AbortController();
    const job = s.run({ module: JOB, name: 'spin', input: 5000, signal: controller.signal });
    controller.abort();
    await expect(job).rejects.toMatchObject({ code: 'WACTOR_ERR_SCHEDULER_JOB_ABORTED' });
  });
});
