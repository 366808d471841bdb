import { afterEach, describe, expect, it } from 'vitest';
import { inThreadShards } from '../../bench/scheduler/in-thread-shards.js';
import { silentLogger } from '../../runtime/logger.js';
import type { Runtime } from '../../runtime/runtime.js';
import { ShardHostNode } from '../../scheduler/shard-host-node.js';
import { exampleGuestBytes, WasmHost } from '../../wasm-actors/index.js';

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.shutdown();
  rt = undefined;
});

/** One shard in this thread (its mesh never started: nothing here crosses shards). */
function shardHost(): { rt: Runtime; host: WasmHost } {
  const [shard] = inThreadShards(1);
  const host = new WasmHost(new ShardHostNode(shard!.node), { logger: silentLogger });
  host.loadSync('counter', exampleGuestBytes('counter'), { mode: 'shared' });
  return { rt: shard!.rt, host };
}

describe('a Wasm host on a shard (ShardHostNode: behaviours under the watchdog wrapper)', () => {
  it("tells its own actors' pids through the wrapper, and frees a killed actor", async () => {
    const s = shardHost();
    rt = s.rt;
    const { host } = s;
    const a = host.spawn('counter');
    const b = host.spawn('counter');
    const js = rt.spawn({ receive() {} });
    const other = new WasmHost(rt, { logger: silentLogger });
    other.loadSync('counter', exampleGuestBytes('counter'));
    const foreign = other.spawn('counter');
    expect([host.isLocal(a), host.isLocal(b), host.isLocal(js), host.isLocal(foreign)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(host.stats().actors).toBe(2);
    rt.kill(a);
    // No terminate ran: the kill notice, unwrapped, is how the host freed the actor's guest state.
    expect(host.stats().actors).toBe(1);
    expect(host.stats().modules.counter?.live).toBe(1);
    expect(host.isLocal(a)).toBe(false);
    expect(host.isLocal(b)).toBe(true);
  });
});

describe("on('kill') of a shard's node", () => {
  it('refuses another event or a listener that is not a function, naming the input and the rule', () => {
    const [shard] = inThreadShards(1);
    rt = shard!.rt;
    const node = new ShardHostNode(shard!.node);
    const on = node.on.bind(node) as (event: unknown, listener: unknown) => () => void;
    // Only killed processes are reported: an 'exit' listener must not silently get kill notices.
    expect(() => on('exit', () => {})).toThrow(
      expect.objectContaining({
        code: 'WACTOR_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/on: event must be 'kill', got "exit"/),
      }),
    );
    expect(() => on('kill', 'not a function')).toThrow(
      expect.objectContaining({
        code: 'WACTOR_ERR_INVALID_ARGUMENT',
        message: expect.stringMatching(/on: listener must be a function/),
      }),
    );
    const seen: unknown[] = [];
    const off = on('kill', (pid: unknown) => seen.push(pid));
    const victim = shard!.node.spawnLocal({ receive() {} });
    rt.kill(victim);
    off();
    rt.kill(shard!.node.spawnLocal({ receive() {} }));
    expect(seen).toEqual([victim]);
  });
});
