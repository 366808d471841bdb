import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { shardOf } from '../../runtime/pid.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { wasmRequest } from '../../wasm-actors/messages.js';
import { eventually } from '../helpers/eventually.js';
import { collector } from './helpers.js';

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
