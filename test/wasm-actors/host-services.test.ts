import { describe, expect, it } from 'vitest';
import { type DownMessage, type Runtime, SimulatedClock } from '../../runtime/index.js';
import { WasmHost, wasmRequest } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, useWasmHost } from './guests.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();

describe('host services a guest may always use', () => {
  it('now() reads the runtime clock and random() fills bytes', async () => {
    const clock = new SimulatedClock(1234);
    ({ rt, host } = start({ clock }));
    host.loadSync('overseer', guestBytes('overseer'));
    const o = host.spawn('overseer', '0');
    const c = collector(rt);
    rt.send(o, wasmRequest(c.pid, 'now'));
    rt.send(o, wasmRequest(c.pid, 'random 32'));
    rt.send(o, wasmRequest(c.pid, 'random 32'));
    await eventually(() => expect(c.messages).toHaveLength(3));
    expect(c.texts()[0]).toBe('1234.0');
    const [a, b] = c.messages.slice(1) as Uint8Array[];
    expect(a).toHaveLength(32);
    expect(Buffer.from(a!).equals(Buffer.from(b!))).toBe(false);
  });

  it('send to a name: OK (0), or NOPROC (-2) when nobody holds it', async () => {
    ({ rt, host } = start());
    host.loadSync('overseer', guestBytes('overseer'));
    const target = collector(rt);
    rt.register('inbox', target.pid);
    const o = host.spawn('overseer', '0');
    const c = collector(rt);
    rt.send(o, wasmRequest(c.pid, 'named inbox hello there'));
    rt.send(o, wasmRequest(c.pid, 'named nobody hello'));
    await eventually(() => expect(c.texts()).toEqual(['0', '-2']));
    expect(target.texts()).toEqual(['hello there']);
  });
});

describe('return codes for refused sends', () => {
  it('TOO_LARGE (-8) past maxMessageBytes, REFUSED (-4) into a full mailbox', async () => {
    ({ rt, host } = start({ maxMessageBytes: 16 }));
    host.loadSync('overseer', guestBytes('overseer'));
    const got: unknown[] = [];
    const target = rt.spawn({ receive: (m: unknown) => void got.push(m) }, { mailboxCapacity: 1 });
    rt.register('small', target);
    const o = host.spawn('overseer', '0');
    const c = collector(rt);
    rt.send(o, wasmRequest(c.pid, 'named small this text is longer than sixteen bytes'));
    // Both sends happen in one turn of the guest, before the target runs: the second finds the
    // one-slot mailbox full.
    rt.send(o, wasmRequest(c.pid, 'named small a'));
    rt.send(o, wasmRequest(c.pid, 'named small b'));
    await eventually(() => expect(c.texts()).toEqual(['-8', '0', '-4']));
    await eventually(() => expect(got).toHaveLength(1));
  });

  it('rejects bad host options with the option named', () => {
    ({ rt, host } = start());
    expect(() => new WasmHost(rt, { maxMessageBytes: 0 })).toThrow(
      /options\.maxMessageBytes must be a positive integer/,
    );
    expect(() => new WasmHost(rt, { inboxBytes: 1.5 })).toThrow(
      /options\.inboxBytes must be a positive integer/,
    );
    expect(() => new WasmHost({} as never)).toThrow(/node must be a LocalNode/);
  });
});

describe('re-entrancy', () => {
  it('an ended guest cannot link or kill from its terminate hook (NOPROC, nothing happens)', async () => {
    ({ rt, host } = start());
    host.loadSync('overseer', guestBytes('overseer'), { profile: 'trusted' });
    const report = collector(rt);
    const o = host.spawn('overseer', String(report.pid));
    const js = rt.spawn({ receive() {} });
    const c = collector(rt);
    rt.send(o, wasmRequest(c.pid, `onstop ${js}`));
    await eventually(() => expect(c.texts()).toEqual(['0']));
    rt.exit(o, 'shutdown');
    await eventually(() => expect(report.texts()).toEqual(['stop link=-2 kill=-2']));
    expect(rt.isAlive(js)).toBe(true);
  });

  it("a kill that stops another instance of the same module inside a guest's call leaves the caller acting as itself", async () => {
    ({ rt, host } = start());
    host.loadSync('overseer', guestBytes('overseer'), { profile: 'trusted' });
    const report = collector(rt);
    const bystander = rt.spawn({ receive() {} });
    const victim = host.spawn('overseer', String(report.pid));
    const killer = host.spawn('overseer', '0');
    const c = collector(rt);
    rt.send(victim, wasmRequest(c.pid, `onstop ${bystander}`));
    await eventually(() => expect(c.texts()).toEqual(['0']));
    // The kill ends the victim synchronously, so its wactor_stop runs in its own instance while
    // the killer's call is still running; the killer's reply after that must still be its own.
    rt.send(killer, wasmRequest(c.pid, `kill ${victim}`));
    await eventually(() => expect(c.texts()).toEqual(['0', '0']));
    await eventually(() => expect(report.texts()).toEqual(['stop link=-2 kill=-2']));
    expect(rt.isAlive(victim)).toBe(false);
    expect(rt.isAlive(killer)).toBe(true);
    expect(rt.isAlive(bystander)).toBe(true);
    rt.send(killer, wasmRequest(c.pid, 'now'));
    await eventually(() => expect(c.texts()).toHaveLength(3));
  });

  it('a guest whose own call ends it (link to a dead pid) finishes the call, then stops cleanly', async () => {
    ({ rt, host } = start());
    host.loadSync('overseer', guestBytes('overseer'), { mode: 'shared', grants: { control: true } });
    const victim = host.spawn('overseer', '0');
    const bystander = host.spawn('overseer', '0');
    const dead = rt.spawn({ receive() {} });
    rt.exit(dead, 'normal');
    const downs: DownMessage[] = [];
    rt.monitor(rt.spawn({ receive: (m: DownMessage) => void downs.push(m) }), victim);
    const c = collector(rt);
    rt.send(victim, wasmRequest(c.pid, `link ${dead}`));
    await eventually(() => expect(downs.map((d) => d.reason)).toEqual(['noproc']));
    // The guest still replied from inside the call during which it was ended.
    expect(c.texts()).toEqual(['-2']);
    expect(host.stats().modules.overseer?.live).toBe(1);
    // Its instance was not harmed: the other actor in it still works.
    rt.send(bystander, wasmRequest(c.pid, 'now'));
    await eventually(() => expect(c.texts()).toHaveLength(2));
  });
});
