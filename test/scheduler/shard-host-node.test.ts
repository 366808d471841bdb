import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { Runtime } from '../../runtime/runtime.js';
import { createMeshBuffers, Mesh } from '../../scheduler/mesh.js';
import { ShardHostNode } from '../../scheduler/shard-host-node.js';
import { ShardNode } from '../../scheduler/shard-node.js';
import { createRegistryBuffer, SharedRegistry } from '../../scheduler/shared-registry.js';
import { createWatchBuffer, WatchMarks } from '../../scheduler/wrap.js';
import { exampleGuestBytes, WasmHost } from '../../wasm-actors/index.js';

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.shutdown();
  rt = undefined;
});

/** One shard in this thread (its mesh never started: nothing here crosses shards). */
function shardHost(): { rt: Runtime; host: WasmHost } {
  const runtime = new Runtime({ shard: 0, logger: silentLogger });
  const mesh = new Mesh(createMeshBuffers(1), 0, () => {});
  const node = new ShardNode({
    runtime,
    mesh,
    registry: new SharedRegistry(createRegistryBuffer(16), 0),
    routes: new Int32Array(new SharedArrayBuffer(64 * 4)),
    thread: 0,
    marks: new WatchMarks(createWatchBuffer()),
  });
  const host = new WasmHost(new ShardHostNode(node), { logger: silentLogger });
  host.loadSync('counter', exampleGuestBytes('counter'), { mode: 'shared' });
  return { rt: runtime, host };
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
