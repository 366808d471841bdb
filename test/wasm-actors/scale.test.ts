import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../runtime/index.js';
import { type WasmHost, wasmRequest } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, useWasmHost } from './guests.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();

describe('scale', () => {
  it('10k isolated instances are alive at once', async () => {
    ({ rt, host } = start({ inboxBytes: 64 }));
    host.loadSync('counter', guestBytes('counter'), { grants: { maxMemoryPages: 2 } });
    const pids: number[] = [];
    for (let i = 0; i < 10_000; i++) pids.push(host.spawn('counter', String(i)));
    expect(host.stats().modules.counter).toMatchObject({ live: 10_000, instances: 10_000 });
    const c = collector(rt);
    for (const i of [0, 4_321, 9_999]) rt.send(pids[i]!, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts()).toEqual(['0', '4321', '9999']));
  }, 120_000);

  it('shared mode holds 1M actors alive', async () => {
    ({ rt, host } = start());
    host.loadSync('counter', guestBytes('counter'), { mode: 'shared', actorsPerInstance: 1 << 18 });
    const n = 1_000_000;
    const first = host.spawn('counter', '1');
    for (let i = 1; i < n - 1; i++) host.spawn('counter');
    const last = host.spawn('counter', '2');
    const c = collector(rt);
    rt.send(first, wasmRequest(c.pid, 'get'));
    rt.send(last, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts()).toEqual(['1', '2']), { timeout: 60_000 });
    const stats = host.stats().modules.counter!;
    expect(stats.live).toBe(n);
    expect(stats.instances).toBe(4);
    expect(rt.stats().processes).toBe(n + 1);
  }, 120_000);
});
