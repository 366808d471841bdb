import { describe, expect, it } from 'vitest';
import type { DownMessage, ExitMessage, Runtime } from '../../runtime/index.js';
import { type WasmHost, WasmTrapError, wasmRequest } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, useWasmHost } from './guests.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();
function setup(): void {
  ({ rt, host } = start());
}

/** A JS process that monitors `target` and records the down message. */
function watch(target: number): { downs: DownMessage[] } {
  const downs: DownMessage[] = [];
  const w = rt.spawn({ receive: (msg: DownMessage) => void downs.push(msg) });
  rt.monitor(w, target);
  return { downs };
}

describe('traps end the guest crashed, with the trap message', () => {
  it.each([
    ['unreachable', /trapped in pid \d+: unreachable/],
    ['div0', /divide by zero/],
    ['oob', /memory access out of bounds/],
    ['abort', /abort: crasher was told to abort$/],
    ['overflow', /stack overflow|call stack/i],
  ])('%s → crashed, seen by a monitor', async (cmd, message) => {
    setup();
    host.loadSync('crasher', guestBytes('crasher'));
    const pid = host.spawn('crasher');
    const { downs } = watch(pid);
    rt.send(pid, cmd);
    await eventually(() => expect(downs).toHaveLength(1));
    const down = downs[0]!;
    expect(down.reason).toBe('crashed');
    expect(down.error).toBeInstanceOf(WasmTrapError);
    expect((down.error as WasmTrapError).code).toBe('WACTOR_ERR_WASM_TRAP');
    expect((down.error as Error).message).toMatch(/wasm module 'crasher'/);
    expect((down.error as Error).message).toMatch(message);
    expect(host.stats().modules.crasher?.trapped).toBe(1);
  });

  it('a trap on a message from another guest (the pooled fast path) crashes only the receiver', async () => {
    setup();
    host.loadSync('crasher', guestBytes('crasher'));
    host.loadSync('echo', guestBytes('echo'));
    const crasher = host.spawn('crasher');
    const echo = host.spawn('echo');
    const { downs } = watch(crasher);
    // echo replies to the crasher: guest → guest bytes, delivered in a pooled buffer.
    rt.send(echo, wasmRequest(crasher, 'unreachable'));
    await eventually(() => expect(downs).toHaveLength(1));
    expect(downs[0]!.reason).toBe('crashed');
    expect((downs[0]!.error as Error).message).toMatch(/wasm module 'crasher'.*unreachable/);
    // The sender is untouched and the host still serves it.
    const c = collector(rt);
    rt.send(echo, wasmRequest(c.pid, 'still here'));
    await eventually(() => expect(c.texts()).toEqual(['still here']));
  });

  it('an out-of-bounds pointer passed to an import crashes the guest, not the host', async () => {
    setup();
    host.loadSync('crasher', guestBytes('crasher'));
    const bad = host.spawn('crasher');
    const good = host.spawn('crasher');
    const { downs } = watch(bad);
    rt.send(bad, 'badptr');
    await eventually(() => expect(downs).toHaveLength(1));
    expect((downs[0]!.error as Error).message).toMatch(
      /out of bounds: wactor\.send was passed ptr=2147483632 len=64/,
    );
    const c = collector(rt);
    rt.send(good, wasmRequest(c.pid, 'hi'));
    await eventually(() => expect(c.texts()).toEqual(['ok']));
    // The trapped instance is discarded; new spawns still work.
    const again = host.spawn('crasher');
    rt.send(again, wasmRequest(c.pid, 'hi'));
    await eventually(() => expect(c.texts()).toEqual(['ok', 'ok']));
  });

  it('growing memory past the cap crashes the guest; others are unaffected', async () => {
    setup();
    host.loadSync('memhog', guestBytes('memhog'), { grants: { maxMemoryPages: 8 } });
    const hog = host.spawn('memhog');
    const { downs } = watch(hog);
    const c = collector(rt);
    rt.send(hog, wasmRequest(c.pid, 'grow 64'));
    await eventually(() => expect(c.texts()).toHaveLength(1));
    expect(Number(c.texts()[0])).toBeLessThanOrEqual(8);
    rt.send(hog, wasmRequest(c.pid, 'grow 4096'));
    await eventually(() => expect(downs).toHaveLength(1));
    expect(downs[0]!.reason).toBe('crashed');
    expect((downs[0]!.error as Error).message).toMatch(/memory is at its cap of 8 pages/);
    const fresh = host.spawn('memhog');
    rt.send(fresh, wasmRequest(c.pid, 'grow 1'));
    await eventually(() => expect(c.texts()).toHaveLength(2));
  });
});

describe('links and monitors between guests and JS actors', () => {
  it('a guest monitors a JS actor and is told when it dies', async () => {
    setup();
    host.loadSync('overseer', guestBytes('overseer'), { grants: { control: true } });
    const report = collector(rt);
    const o = host.spawn('overseer', String(report.pid));
    const js = rt.spawn({
      receive() {
        throw new Error('js actor failed');
      },
    });
    const replies = collector(rt);
    rt.send(o, wasmRequest(replies.pid, `monitor ${js}`));
    await eventually(() => expect(Number(replies.texts()[0])).toBeGreaterThan(0));
    rt.send(js, 'boom');
    await eventually(() => expect(report.texts()).toEqual([`down ${js} crashed js actor failed`]));
  });

  it('a guest linked to a JS actor dies with it; a trapping guest gets an exit notice instead', async () => {
    setup();
    host.loadSync('overseer', guestBytes('overseer'), { grants: { control: true } });
    const report = collector(rt);
    const linked = host.spawn('overseer', String(report.pid));
    const trapping = host.spawn('overseer', String(report.pid));
    const js = rt.spawn({ receive() {} });
    const replies = collector(rt);
    rt.send(linked, wasmRequest(replies.pid, `link ${js}`));
    rt.send(trapping, wasmRequest(replies.pid, 'trap'));
    rt.send(trapping, wasmRequest(replies.pid, `link ${js}`));
    await eventually(() => expect(replies.texts()).toEqual(['0', '0', '0']));
    const { downs } = watch(linked);
    rt.exit(js, 'fatal');
    await eventually(() => expect(downs.map((d) => d.reason)).toEqual(['fatal']));
    await eventually(() => expect(report.texts()).toEqual([`exit ${js} fatal `]));
    expect(rt.isAlive(trapping)).toBe(true);
  });

  it('a JS actor trapping exits is told when a linked guest traps, with the trap error', async () => {
    setup();
    host.loadSync('crasher', guestBytes('crasher'));
    const exits: ExitMessage[] = [];
    const js = rt.spawn({ receive: (m: ExitMessage) => void exits.push(m) }, { trapExit: true });
    const guest = host.spawn('crasher', undefined, { linkTo: js });
    rt.send(guest, 'unreachable');
    await eventually(() => expect(exits).toHaveLength(1));
    expect(exits[0]).toMatchObject({ type: 'exit', from: guest, reason: 'crashed' });
    expect(exits[0]!.error).toBeInstanceOf(WasmTrapError);
  });

  it('a guest that spawns and links a child dies when the child traps', async () => {
    setup();
    host.loadSync('crasher', guestBytes('crasher'));
    host.loadSync('overseer', guestBytes('overseer'), { grants: { control: true, spawn: ['crasher'] } });
    const report = collector(rt);
    const o = host.spawn('overseer', String(report.pid));
    const replies = collector(rt);
    rt.send(o, wasmRequest(replies.pid, 'spawnlink crasher'));
    await eventually(() => expect(replies.texts()).toHaveLength(1));
    const child = Number(replies.texts()[0]);
    expect(rt.isAlive(child)).toBe(true);
    const { downs } = watch(o);
    rt.send(child, 'div0');
    await eventually(() => expect(downs).toHaveLength(1));
    expect(downs[0]!.reason).toBe('crashed');
  });

  it('a guest exits with a reason of its own; a supervisor restarts a Wasm child', async () => {
    setup();
    host.loadSync('overseer', guestBytes('overseer'));
    const started: number[] = [];
    rt.supervise({
      strategy: 'one_for_one',
      maxRestarts: 5,
      children: [
        {
          id: 'wasm',
          start: () => {
            const pid = host.spawn('overseer', '0');
            started.push(pid);
            return pid;
          },
        },
      ],
    });
    expect(started).toHaveLength(1);
    const { downs } = watch(started[0]!);
    rt.send(started[0]!, 'exit tired');
    await eventually(() => expect(downs.map((d) => d.reason)).toEqual(['tired']));
    await eventually(() => expect(started).toHaveLength(2));
    expect(rt.isAlive(started[1]!)).toBe(true);
  });

  it('killing a guest frees it in the host (killed runs no terminate); the host tells its own pids', async () => {
    setup();
    host.loadSync('counter', guestBytes('counter'), { mode: 'shared' });
    const a = host.spawn('counter');
    const b = host.spawn('counter');
    const c = collector(rt);
    rt.send(a, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts()).toEqual(['0']));
    expect(host.stats().actors).toBe(2);
    // The host tells its own actors by their behaviour in the runtime's table (no table of its own).
    expect([host.isLocal(a), host.isLocal(b), host.isLocal(c.pid)]).toEqual([true, true, false]);
    rt.kill(a);
    expect(host.stats().actors).toBe(1);
    expect(host.stats().modules.counter?.live).toBe(1);
    expect(host.isLocal(a)).toBe(false);
    rt.send(b, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts()).toEqual(['0', '0']));
  });
});
