import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { WasmHost } from '../../wasm-actors/host.js';
import { wasmRequest } from '../../wasm-actors/messages.js';
import { eventually } from '../helpers/eventually.js';
import { ensureGuests } from '../wasm-actors/guests.js';
import { collector } from './helpers.js';

// Job functions guests start by name: they get the guest's bytes and return bytes or a string.
const JOBS = `
export function upper(bytes) { return new TextDecoder().decode(bytes).toUpperCase(); }
export function fail() { throw new Error('job exploded'); }
export function spin() { const until = Date.now() + 60000; while (Date.now() < until) {} return 'late'; }
export function number() { return 42; }
`;
let dir: string;
let jobs: URL;
let s: Scheduler | undefined;

beforeAll(() => {
  ensureGuests();
  dir = mkdtempSync(join(tmpdir(), 'wactor-guest-jobs-'));
  writeFileSync(join(dir, 'jobs.mjs'), JOBS);
  jobs = pathToFileURL(join(dir, 'jobs.mjs'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

const text = (m: unknown) => (m instanceof Uint8Array ? new TextDecoder().decode(m) : String(m));

/** A scheduler with the jobs registered, a jobber guest (granted or not) and a JS collector. */
function setup(grants?: { jobs: boolean }, profile?: 'trusted') {
  const sched = new Scheduler({ shards: 2, logger: silentLogger });
  s = sched;
  for (const name of ['upper', 'fail', 'spin', 'number']) sched.registerJob(name, { module: jobs, name });
  const jobber = sched.spawn(
    {
      wasm: exampleGuestPath('jobber'),
      ...(grants === undefined ? {} : { grants }),
      ...(profile === undefined ? {} : { profile }),
    },
    { placement: { shard: 1 } },
  );
  const c = collector(sched);
  const ask = (line: string) => sched.send(jobber, wasmRequest(c.pid, line));
  const texts = () => c.inbox.map(text);
  return { sched, ask, texts };
}

describe('guest jobs on a Scheduler (run_job)', () => {
  it('a granted guest starts a job on the pool and relays its result to a JS actor', async () => {
    const { ask, texts } = setup({ jobs: true });
    ask('run upper 0 hello');
    await eventually(() => expect(texts()).toHaveLength(1));
    expect(texts()[0]).toMatch(/^ok \d+ HELLO$/);
  });

  it('the trusted profile includes jobs', async () => {
    const { ask, texts } = setup(undefined, 'trusted');
    ask('run upper 0 trusted');
    await eventually(() => expect(texts()).toHaveLength(1));
    expect(texts()[0]).toMatch(/^ok \d+ TRUSTED$/);
  });

  it('without the grant the guest gets DENIED (-1) and no job starts', async () => {
    const { ask, texts } = setup();
    ask('run upper 0 hello');
    await eventually(() => expect(texts()).toEqual(['code=-1']));
  });

  it('a job that throws arrives as an error result with the job error code', async () => {
    const { ask, texts } = setup({ jobs: true });
    ask('run fail 0 x');
    await eventually(() => expect(texts()).toHaveLength(1));
    expect(texts()[0]).toMatch(/^error \d+ WACTOR_ERR_SCHEDULER_JOB run: the job failed: job exploded$/);
  });

  it('a job past its timeout arrives as a timeout error result', async () => {
    const { ask, texts } = setup({ jobs: true });
    ask('run spin 200 x');
    await eventually(() => expect(texts()).toHaveLength(1));
    expect(texts()[0]).toMatch(/^error \d+ WACTOR_ERR_SCHEDULER_JOB_TIMEOUT /);
  });

  it('a job that returns something other than bytes or text arrives as a result error', async () => {
    const { ask, texts } = setup({ jobs: true });
    ask('run number 0 x');
    await eventually(() => expect(texts()).toHaveLength(1));
    expect(texts()[0]).toMatch(/^error \d+ WACTOR_ERR_SCHEDULER_JOB_RESULT /);
  });

  it('an unknown job name is NO_MODULE (-7) at once; a name registered later works', async () => {
    const { sched, ask, texts } = setup({ jobs: true });
    ask('run later 0 x');
    await eventually(() => expect(texts()).toEqual(['code=-7']));
    sched.registerJob('later', { module: jobs, name: 'upper' });
    ask('run later 0 late');
    await eventually(() => expect(texts()).toHaveLength(2));
    expect(texts()[1]).toMatch(/^ok \d+ LATE$/);
  });

  it('a shard replaced by the watchdog still knows the registered job names', async () => {
    const sched = new Scheduler({ shards: 2, maxHandlerMs: 300, logger: silentLogger });
    s = sched;
    sched.registerJob('upper', { module: jobs, name: 'upper' });
    const c = collector(sched);
    const spinner = sched.spawn({ wasm: exampleGuestPath('spinner') }, { placement: { shard: 1 } });
    const ref = sched.monitor(c.pid, spinner);
    const before = sched.slots()[1];
    sched.send(spinner, wasmRequest(c.pid, 'spin'));
    await eventually(() =>
      expect(c.inbox).toContainEqual({ type: 'down', ref, pid: spinner, reason: 'timeout' }),
    );
    await eventually(() => expect(sched.slots()[1]).not.toBe(before));
    const jobber = sched.spawn(
      { wasm: exampleGuestPath('jobber'), grants: { jobs: true } },
      { placement: { shard: 1 } },
    );
    sched.send(jobber, wasmRequest(c.pid, 'run upper 0 again'));
    await eventually(() => expect(c.inbox.map(text).filter((t) => t.startsWith('ok '))).toHaveLength(1));
    expect(c.inbox.map(text)).toContainEqual(expect.stringMatching(/^ok \d+ AGAIN$/));
  });

  it('a WasmHost on the main thread over a Scheduler runs guest jobs too, tells its actors and frees a killed one', async () => {
    const sched = new Scheduler({ shards: 1, logger: silentLogger });
    s = sched;
    sched.registerJob('upper', { module: jobs, name: 'upper' });
    const host = new WasmHost(sched, { logger: silentLogger });
    try {
      await host.load('jobber', exampleGuestPath('jobber'), { grants: { jobs: true } });
      const guest = host.spawn('jobber');
      const c = collector(sched);
      sched.send(guest, wasmRequest(c.pid, 'run upper 0 main'));
      await eventually(() => expect(c.inbox).toHaveLength(1));
      expect(text(c.inbox[0])).toMatch(/^ok \d+ MAIN$/);
      // Its actors sit under the main thread's watchdog wrapper; the host still tells them.
      expect(host.isLocal(guest)).toBe(true);
      expect(host.isLocal(c.pid)).toBe(false);
      sched.kill(guest);
      // No terminate for a kill: the scheduler's kill notice is how the host frees the actor.
      await eventually(() => expect(host.stats().actors).toBe(0));
      expect(host.stats().modules.jobber?.live).toBe(0);
    } finally {
      await host.close();
    }
  });

  it("a guest's running job is aborted when the guest ends, which frees its pool thread", async () => {
    // One pool thread: while the spinning job (60 s, no timeout) holds it, no other job can run.
    const sched = new Scheduler({ shards: 2, jobThreads: 1, logger: silentLogger });
    s = sched;
    sched.registerJob('spin', { module: jobs, name: 'spin' });
    const jobber = sched.spawn(
      { wasm: exampleGuestPath('jobber'), grants: { jobs: true } },
      { placement: { shard: 1 } },
    );
    const c = collector(sched);
    sched.send(jobber, wasmRequest(c.pid, 'run spin 0 x'));
    await eventually(async () => expect((await sched.stats()).jobsRunning).toBe(1));
    sched.kill(jobber);
    await eventually(async () => expect((await sched.stats()).jobsRunning).toBe(0));
    await expect(
      sched.run({ module: jobs, name: 'upper', input: new TextEncoder().encode('free') }),
    ).resolves.toBe('FREE');
    // The aborted job's result went nowhere: the owner had ended.
    expect(c.inbox).toEqual([]);
  });

  it('a job of a guest that is already gone when its request arrives is aborted at once', async () => {
    const sched = new Scheduler({ shards: 1, jobThreads: 1, logger: silentLogger });
    s = sched;
    sched.registerJob('spin', { module: jobs, name: 'spin' });
    // An owner that has ended (on the main thread: its down arrives inside the monitor call).
    const gone = sched.spawn({ receive: () => {} });
    sched.kill(gone);
    const request = { name: 'spin', args: new Uint8Array(0), replyTo: gone, id: 1, timeoutMs: 0 };
    expect(sched.runJob(request)).toBe('started');
    await eventually(async () => expect((await sched.stats()).jobsRunning).toBe(0));
    await expect(
      sched.run({ module: jobs, name: 'upper', input: new TextEncoder().encode('ok') }),
    ).resolves.toBe('OK');
  });

  it('registerJob rejects a bad name, task, task.name or task.module with a clear error', () => {
    const sched = new Scheduler({ shards: 1, logger: silentLogger });
    s = sched;
    // The runtime's name rule and wording (runtime/validate.ts checkName), plus the wire's bound.
    expect(() => sched.registerJob('', { module: jobs })).toThrow(
      'registerJob: name must be a non-empty string, got ""',
    );
    expect(() => sched.registerJob('é'.repeat(128), { module: jobs })).toThrow(
      'registerJob: name must be at most 255 bytes of UTF-8, got 256',
    );
    expect(() => sched.registerJob('n', { module: jobs, name: 42 as unknown as string })).toThrow(
      /registerJob: task\.name must be a non-empty string .*got 42/,
    );
    expect(() => sched.registerJob('n', { module: jobs, name: '' })).toThrow(
      /task\.name must be a non-empty/,
    );
    expect(() => sched.registerJob('n', null as unknown as { module: URL })).toThrow(
      'registerJob: task must be { module, name? }, got null',
    );
    expect(() => sched.registerJob('n', { module: 42 as unknown as string })).toThrow(
      /registerJob: task\.module/,
    );
  });
});
