/**
 * Shards without worker threads: `count` Runtimes, Meshes (over one mesh buffer) and ShardNodes
 * (with watchdog marks) in the calling thread, sharing routes and a name table, as a Scheduler
 * wires them across threads. What the one-thread ping-pong instrument and the scheduler tests
 * that need real shard nodes but no threads build. The meshes are not started.
 *
 * @example
 * const [a, b] = inThreadShards(2);
 * for (const s of [a, b]) s.mesh.start();
 * a.node.send(b.node.spawnLocal({ receive: console.log }), 'hello'); // through the a → b ring
 */
import { silentLogger } from '../../runtime/logger.js';
import { Runtime } from '../../runtime/runtime.js';
import { createMeshBuffers, Mesh, type MeshOptions } from '../../scheduler/mesh.js';
import { ShardNode } from '../../scheduler/shard-node.js';
import { createRegistryBuffer, SharedRegistry } from '../../scheduler/shared-registry.js';
import { createWatchBuffer, WatchMarks } from '../../scheduler/wrap.js';

export interface InThreadShard {
  readonly rt: Runtime;
  readonly mesh: Mesh;
  readonly node: ShardNode;
  readonly marks: WatchMarks;
}

/** Build `count` shards in this thread; `mesh` options apply to every Mesh (rings of `ringBytes`). */
export function inThreadShards(count: number, mesh: MeshOptions = {}): InThreadShard[] {
  const buffers = createMeshBuffers(count, mesh.ringBytes);
  const routes = new Int32Array(new SharedArrayBuffer(1024 * 4));
  const registry = createRegistryBuffer(64);
  const shards: InThreadShard[] = [];
  for (let t = 0; t < count; t++) {
    const rt = new Runtime({ shard: t, logger: silentLogger });
    const marks = new WatchMarks(createWatchBuffer());
    let node: ShardNode | undefined;
    const m = new Mesh(buffers, t, (from, body, head) => node?.handleRecord(from, body, head), mesh);
    node = new ShardNode({
      runtime: rt,
      mesh: m,
      registry: new SharedRegistry(registry, t),
      routes,
      thread: t,
      marks,
    });
    Atomics.store(routes, t, t + 1); // slot t lives on thread t
    shards.push({ rt, mesh: m, node, marks });
  }
  return shards;
}
