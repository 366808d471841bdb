import { describe, expect, it } from 'vitest';
import { Runtime, silentLogger } from '../../runtime/index.js';
import { resolveCapabilities } from '../../wasm-actors/capabilities.js';
import { type WasmHost, wasmRequest } from '../../wasm-actors/index.js';
import {
  decodeJobResult,
  encodeJobError,
  encodeJobOk,
  type GuestJobRequest,
  type JobStart,
} from '../../wasm-actors/job-result.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, useWasmHost } from './guests.js';

/** A Runtime that records job requests instead of running them (a Scheduler shard runs them). */
class JobNode extends Runtime {
  readonly requests: GuestJobRequest[] = [];
  runJob(request: GuestJobRequest): JobStart {
    if (request.name === 'closing') return 'closed';
    if (request.name !== 'sum') return 'unknown';
    this.requests.push(request);
    return 'started';
  }
}

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();

function setup(node: Runtime, grants?: { jobs: boolean }): void {
  ({ rt, host } = start({ runtime: node }));
  host.loadSync('jobber', guestBytes('jobber'), grants === undefined ? {} : { grants });
}

describe('guest jobs: run_job', () => {
  it('is denied without the jobs grant: DENIED (-1), counted, and the node is never asked', async () => {
    const node = new JobNode({ logger: silentLogger });
    setup(node);
    const c = collector(rt);
    rt.send(host.spawn('jobber'), wasmRequest(c.pid, 'run sum 0 1,2'));
    await eventually(() => expect(c.texts()).toEqual(['code=-1']));
    expect(host.stats().denied.byCapability).toEqual({ jobs: 1 });
    expect(node.requests).toEqual([]);
  });

  it('with the grant, asks the node and relays the result message that arrives later', async () => {
    const node = new JobNode({ logger: silentLogger });
    setup(node, { jobs: true });
    const c = collector(rt);
    const guest = host.spawn('jobber');
    rt.send(guest, wasmRequest(c.pid, 'run sum 250 1,2,3'));
    await eventually(() => expect(node.requests).toHaveLength(1));
    const req = node.requests[0]!;
    expect(req).toMatchObject({ name: 'sum', replyTo: guest, timeoutMs: 250 });
    expect(new TextDecoder().decode(req.args)).toBe('1,2,3');
    expect(req.id).toBeGreaterThan(0);
    rt.send(guest, encodeJobOk(req.id, new TextEncoder().encode('6')));
    await eventually(() => expect(c.texts()).toEqual([`ok ${req.id} 6`]));
    rt.send(guest, wasmRequest(c.pid, 'run sum 0 x'));
    await eventually(() => expect(node.requests).toHaveLength(2));
    const second = node.requests[1]!;
    expect(second.id).not.toBe(req.id);
    rt.send(guest, encodeJobError(second.id, 'WACTOR_ERR_SCHEDULER_JOB', 'run: the job failed: boom'));
    await eventually(() =>
      expect(c.texts()[1]).toBe(`error ${second.id} WACTOR_ERR_SCHEDULER_JOB run: the job failed: boom`),
    );
  });

  it('answers NO_MODULE for an unknown job, REFUSED when closing, BADARG for a bad timeout', async () => {
    setup(new JobNode({ logger: silentLogger }), { jobs: true });
    const c = collector(rt);
    const guest = host.spawn('jobber');
    rt.send(guest, wasmRequest(c.pid, 'run nope 0 x'));
    rt.send(guest, wasmRequest(c.pid, 'run closing 0 x'));
    rt.send(guest, wasmRequest(c.pid, 'run sum -5 x'));
    await eventually(() => expect(c.texts()).toEqual(['code=-7', 'code=-4', 'code=-3']));
  });

  it('on a plain Runtime (no job runner) a granted guest gets NOPROC (-2)', async () => {
    setup(new Runtime({ logger: silentLogger }), { jobs: true });
    const c = collector(rt);
    rt.send(host.spawn('jobber'), wasmRequest(c.pid, 'run sum 0 1'));
    await eventually(() => expect(c.texts()).toEqual(['code=-2']));
    expect(host.stats().denied.total).toBe(0);
  });

  it('the trusted profile grants jobs, the sandboxed one does not; grants.jobs must be boolean', () => {
    expect(resolveCapabilities('trusted', undefined, 'load').jobs).toBe(true);
    expect(resolveCapabilities('sandboxed', undefined, 'load').jobs).toBe(false);
    expect(() => resolveCapabilities('sandboxed', { jobs: 'yes' }, 'load')).toThrow(
      /load\.grants\.jobs must be a boolean/,
    );
  });

  it('job-result messages round-trip and other bytes are not mistaken for one', () => {
    const ok = decodeJobResult(encodeJobOk(3, new Uint8Array([1, 2])));
    expect(ok).toEqual({ id: 3, ok: true, value: new Uint8Array([1, 2]) });
    expect(decodeJobResult(encodeJobError(4, 'CODE', 'a b'))).toEqual({
      id: 4,
      ok: false,
      code: 'CODE',
      message: 'a b',
    });
    expect(decodeJobResult(new TextEncoder().encode('not a job result msg'))).toBeUndefined();
    expect(decodeJobResult('wjob')).toBeUndefined();
  });
});
