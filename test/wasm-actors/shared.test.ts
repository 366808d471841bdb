import { describe, expect, it } from 'vitest';
import type { DownMessage, Runtime } from '../../runtime/index.js';
import { type WasmHost, WasmTrapError, wasmRequest } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, useWasmHost } from './guests.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();
function setup(): void {
  ({ rt, host } = start());
}

describe('shared mode', () => {
  it('a trap ends every actor of that instance, and only that instance', async () => {
    setup();
    host.loadSync('crasher', guestBytes('crasher'), { mode: 'shared', actorsPerInstance: 3 });
    const first = [host.spawn('crasher'), host.spawn('crasher'), host.spawn('crasher')];
    const second = [host.spawn('crasher'), host.spawn('crasher')];
    expect(host.stats().modules.crasher).toMatchObject({ instances: 2, live: 5 });
    const downs: DownMessage[] = [];
    const watcher = rt.spawn({ receive: (m: DownMessage) => void downs.push(m) });
    for (const pid of [...first, ...second]) rt.monitor(watcher, pid);

    const culprit = first[1]!;
    rt.send(culprit, 'unreachable');
    await eventually(() => expect(downs).toHaveLength(3));
    expect(downs.map((d) => d.pid).sort()).toEqual([...first].sort());
    for (const d of downs) {
      expect(d.reason).toBe('crashed');
      const err = d.error as WasmTrapError;
      expect(err).toBeInstanceOf(WasmTrapError);
      expect(err.trappedPid).toBe(culprit);
      expect(err.pid).toBe(d.pid);
      expect(err.message).toMatch(d.pid === culprit ? /trapped in pid/ : /ended because pid \d+ trapped/);
    }
    // The other instance is untouched and answers; new actors go to a fresh instance.
    const c = collector(rt);
    for (const pid of second) rt.send(pid, wasmRequest(c.pid, 'hi'));
    const fresh = host.spawn('crasher');
    rt.send(fresh, wasmRequest(c.pid, 'hi'));
    await eventually(() => expect(c.texts()).toEqual(['ok', 'ok', 'ok']));
    expect(host.stats().modules.crasher).toMatchObject({ trapped: 1, live: 3 });
  });

  it('the same .wasm runs isolated and shared with the same behaviour', async () => {
    setup();
    host.loadSync('c-iso', guestBytes('counter'), { mode: 'isolated' });
    host.loadSync('c-shared', guestBytes('counter'), { mode: 'shared' });
    const c = collector(rt);
    for (const mod of ['c-iso', 'c-shared']) {
      const pid = host.spawn(mod, '10');
      rt.send(pid, 'add 5');
      rt.send(pid, wasmRequest(c.pid, 'get'));
    }
    await eventually(() => expect(c.texts()).toEqual(['15', '15']));
    expect(host.stats().modules['c-iso']?.instances).toBe(1);
    expect(host.stats().modules['c-shared']?.instances).toBe(1);
  });

  it('slots of ended actors are reused by new ones with fresh state', async () => {
    setup();
    host.loadSync('counter', guestBytes('counter'), { mode: 'shared', actorsPerInstance: 2 });
    const a = host.spawn('counter', '7');
    const b = host.spawn('counter', '8');
    const c = collector(rt);
    rt.send(a, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts()).toEqual(['7']));
    rt.exit(a, 'normal');
    const d = host.spawn('counter');
    rt.send(d, wasmRequest(c.pid, 'get'));
    rt.send(b, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts()).toEqual(['7', '0', '8']));
    expect(host.stats().modules.counter).toMatchObject({ instances: 1, instancesCreated: 1, live: 2 });
  });

  it('isolated mode reuses the instance of an actor that ended normally', async () => {
    setup();
    host.loadSync('counter', guestBytes('counter'), { pool: 4 });
    const c = collector(rt);
    for (let i = 0; i < 10; i++) {
      const pid = host.spawn('counter', String(i));
      rt.send(pid, wasmRequest(c.pid, 'get'));
      await eventually(() => expect(c.texts()).toHaveLength(i + 1));
      rt.exit(pid, 'normal');
    }
    expect(c.texts()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(host.stats().modules.counter?.instancesCreated).toBe(1);
  });

  it('isolated mode with pool 0 instantiates afresh for every actor', async () => {
    setup();
    host.loadSync('counter', guestBytes('counter'), { pool: 0 });
    for (let i = 0; i < 3; i++) rt.exit(host.spawn('counter'), 'normal');
    expect(host.stats().modules.counter).toMatchObject({ instancesCreated: 3, instances: 0, idle: 0 });
  });
});
