/**
 * The scheduler's cross-shard Wasm ping-pong with both shards in ONE thread — an instrument for
 * CPU per message, not a scenario. Two Runtimes (slots 0 and 1), two Meshes over one mesh buffer,
 * two ShardNodes (with watchdog marks) and two Wasm hosts live in the calling thread; the Wasm
 * `ping` on shard 0 keeps `inflight` messages bouncing off the Wasm `pong` on shard 1 through the
 * rings. Every layer of the real path runs (ring write and read, the in-place take, the runtime,
 * wrap.ts, the Wasm host and guests, the Mesh loop) but no thread waits for another, so the CPU
 * time per message moves only with the VM's speed, not with how the OS schedules two threads:
 * A/B comparisons of per-message work resolve differences of a few percent that the two-thread
 * measurement (±50% between runs on the shared 2-vCPU VM) cannot. Used in docs/benchmarks.md,
 * "Session 3b (issue 4)". Nothing here spins (`spinMicros` 0): an idle mesh sleeps in
 * `Atomics.waitAsync`, and the other mesh of the same thread wakes it.
 */
import { silentLogger } from '../../runtime/logger.js';
import type { Pid } from '../../runtime/types.js';
import { ShardHostNode } from '../../scheduler/shard-host-node.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { WasmHost } from '../../wasm-actors/host.js';
import { inThreadShards } from './in-thread-shards.js';

export interface OneThreadPingPong {
  /**
   * Run one batch: a fresh `ping` until `rounds` replies came back with `inflight` in flight.
   * Resolves to the CPU time of this process per message (ns; two messages per round).
   */
  batch(rounds: number, inflight: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Build the two shards in this thread and load the guests.
 * @example
 * const pp = await oneThreadPingPong();
 * await pp.batch(100_000, 256); // warm-up
 * console.log(await pp.batch(100_000, 256), 'ns of CPU per message');
 * await pp.close();
 */
export async function oneThreadPingPong(): Promise<OneThreadPingPong> {
  // A pending Atomics.waitAsync holds no handle: without a timer the process could exit while
  // both meshes sleep between batches.
  const keepAlive = setInterval(() => {}, 1000);
  const shards = inThreadShards(2, { spinMicros: 0 }).map(({ rt, mesh, node }) => {
    const host = new WasmHost(new ShardHostNode(node), { logger: silentLogger });
    node.attachWasmHost(host);
    return { rt, mesh, host };
  });
  const [a, b] = shards as [(typeof shards)[0], (typeof shards)[0]];
  await a.host.load('ping', exampleGuestPath('ping'));
  await b.host.load('pong', exampleGuestPath('pong'));
  const pong = b.host.spawn('pong');
  let done: () => void = () => {};
  const report: Pid = a.rt.spawn({ receive: () => done() });
  a.mesh.start();
  b.mesh.start();
  return {
    async batch(rounds, inflight) {
      const args = new DataView(new ArrayBuffer(24));
      args.setFloat64(0, pong, true);
      args.setFloat64(8, report, true);
      args.setUint32(16, rounds, true);
      args.setUint32(20, inflight, true);
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      const cpu = process.cpuUsage();
      a.host.spawn('ping', new Uint8Array(args.buffer));
      await finished;
      const used = process.cpuUsage(cpu);
      return ((used.user + used.system) * 1000) / (rounds * 2);
    },
    async close() {
      clearInterval(keepAlive);
      for (const s of shards) s.mesh.stop();
      await Promise.all(shards.map((s) => s.rt.shutdown()));
    },
  };
}
