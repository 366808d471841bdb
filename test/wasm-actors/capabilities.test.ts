import { describe, expect, it } from 'vitest';
import { type Logger, type Runtime, SimulatedClock, silentLogger } from '../../runtime/index.js';
import { type WasmHost, wasmRequest } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, useWasmHost } from './guests.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();
function setup(options: { clock?: SimulatedClock; logger?: Logger } = {}): void {
  ({ rt, host } = start(options));
}

const parseCodes = (s: string) =>
  Object.fromEntries(s.split(' ').map((kv) => kv.split('=') as [string, string]));

describe('capabilities, default deny', () => {
  it('a sandboxed guest gets DENIED (-1) for every gated call, each counted, and nothing happens', async () => {
    const logged: string[] = [];
    const logger: Logger = { ...silentLogger, info: (m) => void logged.push(m) };
    setup({ logger });
    host.loadSync('denied', guestBytes('denied'));
    host.loadSync('echo', guestBytes('echo'));
    const victim = rt.spawn({ receive() {} });
    rt.register('victim', victim);
    const guest = host.spawn('denied');
    const c = collector(rt);
    rt.send(guest, wasmRequest(c.pid, `try ${victim}`));
    await eventually(() => expect(c.texts()).toHaveLength(1));
    const codes = parseCodes(c.texts()[0]!);
    expect(Object.keys(codes)).toHaveLength(11);
    for (const [call, code] of Object.entries(codes)) expect([call, code]).toEqual([call, '-1']);
    const { denied } = host.stats();
    expect(denied.total).toBe(11);
    expect(denied.byCapability).toEqual({ spawn: 1, control: 7, timers: 2, log: 1 });
    expect(host.stats().modules.denied?.denied).toEqual(denied.byCapability);
    // Nothing happened: the victim lives, keeps its name, no links/monitors, nothing logged or spawned.
    expect(rt.isAlive(victim)).toBe(true);
    expect(rt.whereis('victim')).toBe(victim);
    expect(rt.info(victim)).toMatchObject({ links: [], monitoredBy: [] });
    expect(host.stats().modules.echo?.spawned).toBe(0);
    expect(logged).toEqual([]);
    expect(rt.isAlive(guest)).toBe(true);
  });

  it('a granted guest spawns a module; without the grant the same call is refused', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'));
    host.loadSync('boss', guestBytes('overseer'), { grants: { spawn: true } });
    host.loadSync('serf', guestBytes('overseer'));
    const replies = collector(rt);
    rt.send(host.spawn('boss', '0'), wasmRequest(replies.pid, 'spawn echo'));
    rt.send(host.spawn('serf', '0'), wasmRequest(replies.pid, 'spawn echo'));
    await eventually(() => expect(replies.texts()).toHaveLength(2));
    const [child, refused] = replies.texts().map(Number) as [number, number];
    expect(refused).toBe(-1);
    expect(rt.isAlive(child)).toBe(true);
    rt.send(child, wasmRequest(replies.pid, 'from the child'));
    await eventually(() => expect(replies.texts()[2]).toBe('from the child'));
    expect(host.stats().denied.byCapability).toEqual({ spawn: 1 });
  });

  it('a guest spawning its own module (a fresh instance mid-call) still acts as itself after', async () => {
    setup();
    host.loadSync('overseer', guestBytes('overseer'), { pool: 0, grants: { spawn: true } });
    const parent = host.spawn('overseer', '0');
    const replies = collector(rt);
    rt.send(parent, wasmRequest(replies.pid, 'spawn overseer 0'));
    await eventually(() => expect(replies.texts()).toHaveLength(1));
    const child = Number(replies.texts()[0]);
    expect(child).toBeGreaterThan(parent);
    rt.send(child, wasmRequest(replies.pid, 'spawn overseer 0'));
    await eventually(() => expect(replies.texts()).toHaveLength(2));
    expect(host.stats().modules.overseer).toMatchObject({ live: 3, instancesCreated: 3 });
  });

  it('a spawn grant can name modules; others are DENIED and unknown ones are NO_MODULE (-7)', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'));
    host.loadSync('counter', guestBytes('counter'));
    host.loadSync('boss', guestBytes('overseer'), { grants: { spawn: ['counter', 'ghost'] } });
    const boss = host.spawn('boss', '0');
    const replies = collector(rt);
    for (const cmd of ['spawn counter 5', 'spawn echo', 'spawn ghost'])
      rt.send(boss, wasmRequest(replies.pid, cmd));
    await eventually(() => expect(replies.texts()).toHaveLength(3));
    const [counter, echo, ghost] = replies.texts().map(Number);
    expect(counter).toBeGreaterThan(0);
    expect([echo, ghost]).toEqual([-1, -7]);
    rt.send(counter!, wasmRequest(replies.pid, 'get'));
    await eventually(() => expect(replies.texts()[3]).toBe('5'));
  });

  it('timers fire on the runtime clock when granted', async () => {
    const clock = new SimulatedClock();
    setup({ clock });
    host.loadSync('overseer', guestBytes('overseer'), { grants: { timers: true } });
    const report = collector(rt);
    const o = host.spawn('overseer', String(report.pid));
    const replies = collector(rt);
    rt.send(o, wasmRequest(replies.pid, 'after 100 wake up'));
    await eventually(() => expect(Number(replies.texts()[0])).toBeGreaterThan(0));
    clock.advance(99);
    await new Promise((r) => setImmediate(r));
    expect(report.texts()).toEqual([]);
    clock.advance(1);
    await eventually(() => expect(report.texts()).toEqual(['timer wake up']));
  });

  it('logging goes to the host logger when granted', async () => {
    const logged: string[] = [];
    setup({ logger: { ...silentLogger, info: (m) => void logged.push(m) } });
    host.loadSync('overseer', guestBytes('overseer'), { grants: { log: true } });
    const o = host.spawn('overseer', '0');
    const replies = collector(rt);
    rt.send(o, wasmRequest(replies.pid, 'log hello host'));
    await eventually(() => expect(replies.texts()).toEqual(['0']));
    expect(logged).toEqual([`[wasm overseer ${o}] hello host`]);
  });

  it('the trusted profile allows process control: a guest kills a JS actor', async () => {
    setup();
    host.loadSync('overseer', guestBytes('overseer'), { profile: 'trusted' });
    const o = host.spawn('overseer', '0');
    const js = rt.spawn({ receive() {} }, { trapExit: true });
    const replies = collector(rt);
    rt.send(o, wasmRequest(replies.pid, `kill ${js}`));
    await eventually(() => expect(replies.texts()).toEqual(['0']));
    expect(rt.isAlive(js)).toBe(false);
  });
});
