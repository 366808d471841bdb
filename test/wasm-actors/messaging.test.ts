import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, makePid, type Runtime } from '../../runtime/index.js';
import { type HostingMode, type WasmHost, wasmRequest } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, pingArgs, text, useWasmHost } from './guests.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();
function setup(): void {
  ({ rt, host } = start());
}

/**
 * Loads `echo` in `mode` on the current host and spawns two, a and b. Each message of `sizes`
 * (patterned bytes, `% modulus`, the collector's pid in the first 8) goes to a as a request to
 * reply to b (guest → guest); b forwards it to the collector. Resolves once all have arrived.
 */
async function throughTwoEchoes(
  mode: HostingMode,
  sizes: readonly number[],
  modulus: number,
): Promise<{ sent: Uint8Array[]; arrived: unknown[]; a: number; b: number }> {
  host.loadSync('echo', guestBytes('echo'), { mode });
  const a = host.spawn('echo');
  const b = host.spawn('echo');
  const c = collector(rt);
  const sent = sizes.map((size, k) => {
    const msg = new Uint8Array(size).map((_, i) => (i * 7 + k) % modulus);
    new DataView(msg.buffer).setFloat64(0, c.pid, true);
    rt.send(a, wasmRequest(b, msg));
    return msg;
  });
  await eventually(() => expect(c.messages).toHaveLength(sizes.length));
  return { sent, arrived: c.messages, a, b };
}

describe.each<HostingMode>(['isolated', 'shared'])('guest messaging (%s mode)', (mode) => {
  it('echo round-trips bytes, strings and large messages through a request', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'), { mode });
    const echo = host.spawn('echo');
    const c = collector(rt);
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    rt.send(echo, wasmRequest(c.pid, 'hello'));
    rt.send(echo, wasmRequest(c.pid, new Uint8Array([0, 1, 2, 255])));
    rt.send(echo, wasmRequest(c.pid, big));
    await eventually(() => expect(c.messages).toHaveLength(3));
    expect(text(c.messages[0])).toBe('hello');
    expect(c.messages[1]).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(Buffer.from(c.messages[2] as Uint8Array).equals(big)).toBe(true);
  });

  it('a plain message with a pid in its first 8 bytes is echoed there', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'), { mode });
    const echo = host.spawn('echo');
    const c = collector(rt);
    const msg = new Uint8Array(12);
    new DataView(msg.buffer).setFloat64(0, c.pid, true);
    msg[8] = 42;
    rt.send(echo, msg);
    await eventually(() => expect(c.messages).toEqual([msg]));
  });

  it('counter keeps state per actor, starting from its spawn arguments', async () => {
    setup();
    host.loadSync('counter', guestBytes('counter'), { mode });
    const a = host.spawn('counter', '41');
    const b = host.spawn('counter');
    const c = collector(rt);
    rt.send(a, 'inc');
    rt.send(b, 'dec');
    rt.send(b, 'add 10');
    rt.send(a, wasmRequest(c.pid, 'get'));
    rt.send(b, wasmRequest(c.pid, 'get'));
    await eventually(() => expect(c.texts().sort()).toEqual(['42', '9']));
  });

  it('kv stores, reads and deletes keys per actor', async () => {
    setup();
    host.loadSync('kv', guestBytes('kv'), { mode });
    const kv = host.spawn('kv');
    const other = host.spawn('kv');
    const c = collector(rt);
    for (const cmd of [
      'put a 1',
      'put b two words',
      'get b',
      'del a',
      'get a',
      'size',
      'put ключ значение ✓',
      'get ключ',
    ]) {
      rt.send(kv, wasmRequest(c.pid, cmd));
    }
    rt.send(other, wasmRequest(c.pid, 'size'));
    await eventually(() =>
      expect(c.texts()).toEqual(['ok', 'ok', 'two words', '1', '', '1', 'ok', 'значение ✓', '0']),
    );
  });

  it('a value that is neither bytes nor text reaches the guest msgpack-encoded', async () => {
    setup();
    host.loadSync('kv', guestBytes('kv'), { mode });
    const kv = host.spawn('kv');
    const c = collector(rt);
    rt.send(kv, wasmRequest(c.pid, 'size'));
    rt.send(kv, { not: 'a request' }); // kv parses it as an unknown command and cannot reply
    rt.send(kv, wasmRequest(c.pid, 'size'));
    await eventually(() => expect(c.texts()).toEqual(['0', '0']));
    expect(rt.isAlive(kv)).toBe(true);
  });

  it('ping and pong guests bounce messages until done', async () => {
    setup();
    host.loadSync('ping', guestBytes('ping'), { mode });
    host.loadSync('pong', guestBytes('pong'), { mode });
    const c = collector(rt);
    const pong = host.spawn('pong');
    host.spawn('ping', pingArgs(pong, c.pid, 1000, 4));
    await eventually(() => expect(c.texts()).toEqual(['done']));
  });

  it('two ping-pong pairs at once: messages reach instances on both receive call sites', async () => {
    // Consecutive instances alternate between WasmActor.receive's two guest call sites
    // (WasmInstance.site), so two pairs of actors cover both in either mode.
    setup();
    host.loadSync('ping', guestBytes('ping'), { mode });
    host.loadSync('pong', guestBytes('pong'), { mode });
    const c = collector(rt);
    const pongs = [host.spawn('pong'), host.spawn('pong')];
    for (const pong of pongs) host.spawn('ping', pingArgs(pong, c.pid, 500, 2));
    await eventually(() => expect(c.texts()).toEqual(['done', 'done']));
  });
});

describe('the spinner fixture', () => {
  it('answers anything but "spin" (spinning itself is for the scheduler watchdog)', async () => {
    setup();
    host.loadSync('spinner', guestBytes('spinner'));
    const s = host.spawn('spinner');
    const c = collector(rt);
    rt.send(s, wasmRequest(c.pid, 'hello'));
    await eventually(() => expect(c.texts()).toEqual(['ok']));
  });
});

describe('guest to guest on one host', () => {
  it('bytes of every size arrive intact through the pooled fast path and the plain path', async () => {
    setup();
    const { sent, arrived } = await throughTwoEchoes('shared', [8, 12, 64, 65, 255, 256, 257, 5000], 256);
    expect(arrived).toEqual(sent);
    for (const m of arrived) expect(m).toBeInstanceOf(Uint8Array);
  });
});

describe("the send import's per-module target caches", () => {
  it('a pid first seen dead and then spawned as a local guest still gets its messages, as do JS targets in between', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'), { mode: 'shared' });
    const a = host.spawn('echo');
    const c = collector(rt);
    // The next pid this runtime will hand out (serials step by one; the shard sits below 1024).
    const future = rt.spawn({ receive() {} }) + 1024;
    const payload = (k: number): Uint8Array => {
      const msg = new Uint8Array(12);
      new DataView(msg.buffer).setFloat64(0, c.pid, true);
      msg[8] = k;
      return msg;
    };
    // a replies to `future` while nothing lives there (NOPROC): the import remembers it as not local.
    rt.send(a, wasmRequest(future, payload(0)));
    await eventually(() => expect(rt.info(a)?.messagesHandled).toBe(1));
    const e = host.spawn('echo');
    expect(e).toBe(future);
    // Now a's replies to e (which forwards them to the collector) alternate with replies to the
    // collector itself: every one arrives, in order per path.
    for (let k = 1; k <= 6; k++) rt.send(a, wasmRequest(k % 2 === 1 ? e : c.pid, payload(k)));
    await eventually(() => expect(c.messages).toHaveLength(6));
    expect(c.messages.map((m) => (m as Uint8Array)[8]).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const order = c.messages.map((m) => (m as Uint8Array)[8]!);
    expect(order.filter((k) => k % 2 === 1)).toEqual([1, 3, 5]); // via e
    expect(order.filter((k) => k % 2 === 0)).toEqual([2, 4, 6]); // straight from a
  });
});

describe("the pooled fast path when the receiver's inbox is smaller than the message", () => {
  it('grows the inbox through the guest and delivers every byte in order', async () => {
    // An inbox of 16 bytes: pooled messages of 17–256 bytes leave WasmActor.receive's fast path
    // for the general one, which asks the guest for a bigger inbox.
    // Isolated, so the requests that grow a's inbox do not grow b's (shared mode has one inbox).
    ({ rt, host } = start({ inboxBytes: 16 }));
    const { sent, arrived, a, b } = await throughTwoEchoes('isolated', [12, 16, 17, 100, 256, 200, 40], 251);
    expect(arrived).toEqual(sent);
    expect(rt.isAlive(a) && rt.isAlive(b)).toBe(true);
  });
});

describe('the pooled fast path after the guest grew its memory', () => {
  it("copies the next pooled message into the grown memory, not the old buffer's detached views", async () => {
    // m1 gets two pooled messages from a guest (echo forwards a request's bytes to its replyTo):
    // 'grow 1024' grows m1's memory inside its call (detaching the views the host holds), then
    // 'grow 0000' must reach the guest. Copied through the stale views it would be dropped, and m1
    // would re-read 'grow 1024' from its inbox and grow twice. m2 grows once, for comparison.
    setup();
    host.loadSync('echo', guestBytes('echo'), { mode: 'isolated' });
    host.loadSync('memhog', guestBytes('memhog'), { mode: 'isolated' });
    const echo = host.spawn('echo');
    const m1 = host.spawn('memhog');
    const m2 = host.spawn('memhog');
    const c = collector(rt);
    rt.send(echo, wasmRequest(m1, 'grow 1024'));
    rt.send(echo, wasmRequest(m1, 'grow 0000'));
    await eventually(() => expect(rt.info(m1)?.messagesHandled).toBe(2));
    rt.send(m2, wasmRequest(c.pid, 'grow 1024'));
    await eventually(() => expect(c.messages).toHaveLength(1));
    rt.send(m1, wasmRequest(c.pid, 'size'));
    await eventually(() => expect(c.messages).toHaveLength(2));
    const [once, m1Pages] = c.messages.map((m) => Number(text(m)));
    expect(once).toBeGreaterThan(16); // it did grow (1 MiB is 16 pages)
    expect(m1Pages).toBe(once);
  });
});

describe('names from a guest', () => {
  it('a guest registers itself and JS finds it by name; the name goes when it exits', async () => {
    setup();
    host.loadSync('greeter', guestBytes('greeter'));
    const g = host.spawn('greeter', 'ada');
    await eventually(() => expect(rt.whereis('ada')).toBe(g));
    const c = collector(rt);
    rt.sendNamed('ada', wasmRequest(c.pid, 'bob'));
    await eventually(() => expect(c.texts()).toEqual(['hello bob, I am ada']));
    rt.exit(g, 'shutdown');
    expect(rt.whereis('ada')).toBeUndefined();
  });

  it('a guest looks names up, and a taken name returns TAKEN (-5)', async () => {
    setup();
    host.loadSync('greeter', guestBytes('greeter'));
    const js = rt.spawn({ receive() {} });
    rt.register('js-service', js);
    const g = host.spawn('greeter', 'ada');
    const c = collector(rt);
    rt.send(g, wasmRequest(c.pid, 'whereis js-service'));
    rt.send(g, wasmRequest(c.pid, 'whereis nobody'));
    rt.send(g, wasmRequest(c.pid, 'register js-service'));
    rt.send(g, wasmRequest(c.pid, 'register ada-too'));
    await eventually(() => expect(c.texts()).toEqual([String(js), '0', '-5', '0']));
    expect(rt.whereis('ada-too')).toBe(g);
  });

  it('two greeters with the same name: the second gets TAKEN and keeps running', async () => {
    setup();
    host.loadSync('greeter', guestBytes('greeter'), { mode: 'shared' });
    const first = host.spawn('greeter', 'same');
    const second = host.spawn('greeter', 'same');
    const c = collector(rt);
    rt.send(first, wasmRequest(c.pid, 'status'));
    rt.send(second, wasmRequest(c.pid, 'status'));
    await eventually(() => expect(c.texts()).toEqual(['0', '-5']));
    expect(rt.whereis('same')).toBe(first);
  });
});

describe('examplePingArgs (the ping guest spawn arguments)', () => {
  it('lays out [pong f64][report f64][rounds u32][in flight u32] little-endian', () => {
    const [pong, report] = [makePid(0, 2 ** 40), makePid(3, 5)];
    const dv = new DataView(pingArgs(pong, report, 0xffff_ffff, 4).buffer);
    expect(dv.byteLength).toBe(24);
    expect([dv.getFloat64(0, true), dv.getFloat64(8, true)]).toEqual([pong, report]);
    expect([dv.getUint32(16, true), dv.getUint32(20, true)]).toEqual([0xffff_ffff, 4]);
  });

  it('rejects bad arguments, naming the argument and the rule', () => {
    const pid = makePid(0, 1);
    expect(() => pingArgs(0, pid, 1, 1)).toThrow(/examplePingArgs: pong must be a pid.*got 0/);
    expect(() => pingArgs(pid, -2, 1, 1)).toThrow(/examplePingArgs: report must be a pid/);
    expect(() => pingArgs(pid, pid, 2 ** 32, 1)).toThrow(
      /examplePingArgs: rounds must be an integer in 0\.\.2\^32-1, got 4294967296/,
    );
    expect(() => pingArgs(pid, pid, 1, 1.5)).toThrow(InvalidArgumentError);
  });
});
