import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { shardOf } from '../../runtime/pid.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { LOCAL_MAX } from '../../wasm-actors/local-bytes.js';
import { wasmRequest } from '../../wasm-actors/messages.js';
import { eventually } from '../helpers/eventually.js';
import { collector, forwardedBytes, readyAgent } from './helpers.js';

let s: Scheduler | undefined;
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

const text = (m: unknown) => (m instanceof Uint8Array ? new TextDecoder().decode(m) : undefined);

describe('Scheduler with Wasm actors', () => {
  it('runs a Wasm guest on a shard and answers a request from the main thread', async () => {
    s = new Scheduler({ shards: 2, logger: silentLogger });
    const c = collector(s);
    const echo = s.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 1 } });
    expect(shardOf(echo)).toBe(s.slots()[1]);
    s.send(echo, wasmRequest(c.pid, 'hello across shards'));
    await eventually(() => expect(c.inbox.map(text)).toContain('hello across shards'));
  });

  it('ring records for a Wasm actor, read from the ring in place into pooled messages, arrive intact and in order at every size around the pooled limit', async () => {
    // A 4 KiB ring: the burst below wraps it at many offsets (a wrapping body takes the copy
    // path) and fills it (the rest waits in the main thread's queue and follows in order).
    const sched = new Scheduler({ shards: 2, ringBytes: 4096, logger: silentLogger });
    s = sched;
    const { c, agent: sink } = await readyAgent(sched, 1);
    const echo = sched.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 0 } });
    // The echo guest forwards a plain message to the pid in its first 8 bytes (the sink).
    const sent: Uint8Array[] = [];
    for (let size = 8; size <= LOCAL_MAX + 40; size++) {
      const bytes = Uint8Array.from({ length: size }, (_, i) => (size * 7 + i * 13) & 0xff);
      new DataView(bytes.buffer).setFloat64(0, sink, true);
      sent.push(bytes.slice());
      expect(sched.send(echo, bytes)).toBe(true);
    }
    await eventually(() => expect(forwardedBytes(c.inbox).length).toBe(sent.length));
    expect(forwardedBytes(c.inbox)).toEqual(sent);
  });

  it('after the Wasm actor that last took ring records ends, records for it are dropped and a new Wasm actor on the shard gets its own', async () => {
    const sched = new Scheduler({ shards: 2, logger: silentLogger });
    s = sched;
    const { c, agent: sink } = await readyAgent(sched, 1);
    const forward = (seq: number) => {
      const bytes = new Uint8Array(16);
      new DataView(bytes.buffer).setFloat64(0, sink, true);
      bytes[8] = seq;
      return bytes;
    };
    const got = () => forwardedBytes(c.inbox).map((bytes) => bytes[8]);
    const first = sched.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 0 } });
    sched.send(first, forward(1));
    await eventually(() => expect(got()).toEqual([1]));
    const ref = sched.monitor(c.pid, first);
    sched.kill(first);
    await eventually(() =>
      expect(c.inbox).toContainEqual({ type: 'down', ref, pid: first, reason: 'killed' }),
    );
    const second = sched.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 0 } });
    sched.send(first, forward(2)); // to the dead actor: dropped
    sched.send(second, forward(3));
    sched.send(first, forward(4));
    sched.send(second, forward(5));
    await eventually(() => expect(got()).toEqual([1, 3, 5]));
  });

  it('a spinning Wasm guest ends with timeout while a Wasm guest on another shard keeps answering', async () => {
    const sched = new Scheduler({ shards: 2, maxHandlerMs: 300, logger: silentLogger });
    s = sched;
    const c = collector(sched);
    const spinner = sched.spawn({ wasm: exampleGuestPath('spinner') }, { placement: { shard: 0 } });
    const echo = sched.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 1 } });
    const ref = sched.monitor(c.pid, spinner);
    sched.send(spinner, wasmRequest(c.pid, 'ping'));
    await eventually(() => expect(c.inbox.map(text)).toContain('ok'));
    sched.send(spinner, wasmRequest(c.pid, 'spin'));
    sched.send(echo, wasmRequest(c.pid, 'during'));
    await eventually(() => expect(c.inbox.map(text)).toContain('during'));
    await eventually(() =>
      expect(c.inbox).toContainEqual({ type: 'down', ref, pid: spinner, reason: 'timeout' }),
    );
    sched.send(echo, wasmRequest(c.pid, 'after'));
    await eventually(() => expect(c.inbox.map(text)).toContain('after'));
  });
});
