import { afterEach, describe, expect, it } from 'vitest';
import { inThreadShards } from '../../bench/scheduler/in-thread-shards.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { Pid } from '../../runtime/types.js';
import type { Mesh } from '../../scheduler/mesh.js';
import type { ShardNode } from '../../scheduler/shard-node.js';
import { Watchdog } from '../../scheduler/watchdog.js';
import { createWatchBuffer, WatchMarks } from '../../scheduler/wrap.js';
import { eventually } from '../helpers/eventually.js';

describe('WatchMarks', () => {
  it('enter marks the pid as running with a new seq each time; leave un-marks once', () => {
    const sab = createWatchBuffer();
    const writer = new WatchMarks(sab);
    const reader = new WatchMarks(sab); // the watchdog's view of the same buffer
    writer.enter(7);
    const first = reader.read();
    expect(first).toMatchObject({ running: true, pid: 7 });
    writer.enter(7);
    const second = reader.read();
    expect(second.running).toBe(true);
    expect(second.seq).not.toBe(first.seq);
    writer.enter(9);
    expect(reader.read()).toMatchObject({ running: true, pid: 9 });
    writer.leave();
    const out = reader.read();
    expect(out.running).toBe(false);
    writer.leave(); // already out: nothing changes
    expect(reader.read().seq).toBe(out.seq);
    writer.enter(9);
    expect(reader.read().running).toBe(true);
  });
});

describe('Watchdog over WatchMarks (fake clock)', () => {
  it('reports a handler that entered and was not left for maxHandlerMs, with its pid; never one that was left', () => {
    let now = 0;
    const marks = new WatchMarks(createWatchBuffer());
    const runaways: [number, Pid][] = [];
    const dog = new Watchdog({
      maxHandlerMs: 100,
      marks: () => [marks],
      onRunaway: (thread, pid) => runaways.push([thread, pid]),
      now: () => now,
    });
    // A handler entered, then the thread was between handlers (a Mesh pass or the heartbeat).
    marks.enter(5);
    dog.check();
    marks.leave();
    now = 500;
    dog.check();
    expect(runaways).toEqual([]);
    // Busy but healthy: a new handler per look (seq moves) is never a runaway.
    for (let i = 0; i < 5; i++) {
      marks.enter(5);
      now += 100;
      dog.check();
    }
    expect(runaways).toEqual([]);
    // Stuck: entered and nothing moved for maxHandlerMs.
    marks.enter(6);
    dog.check();
    now += 99;
    dog.check();
    expect(runaways).toEqual([]);
    now += 1;
    dog.check();
    expect(runaways).toEqual([[0, 6]]);
  });
});

describe('the watchdog mark on a shard thread', () => {
  const meshes: Mesh[] = [];
  const runtimes: Runtime[] = [];
  afterEach(async () => {
    for (const m of meshes.splice(0)) m.stop();
    await Promise.all(runtimes.splice(0).map((rt) => rt.shutdown()));
  });

  it('a handler that threw does not stay marked running: the next Mesh pass clears the mark', async () => {
    const shards = inThreadShards(2, { ringBytes: 1 << 12 });
    for (const s of shards) {
      meshes.push(s.mesh);
      runtimes.push(s.rt);
      s.mesh.start();
    }
    const nodes = shards.map((s) => s.node);
    const marks = shards.map((s) => s.marks);
    const [a, b] = nodes as [ShardNode, ShardNode];
    const seen: unknown[] = [];
    const thrower = b.spawnLocal({
      receive(msg: unknown) {
        seen.push(msg);
        if (msg === 'boom') throw new Error('boom');
      },
    });
    const before = (marks[1] as WatchMarks).read().seq;
    expect(a.send(thrower, 'boom')).toBe(true);
    await eventually(() => expect(seen).toEqual(['boom']));
    await eventually(() => {
      const m = (marks[1] as WatchMarks).read();
      expect(m.pid).toBe(thrower);
      expect(m.seq).not.toBe(before);
      expect(m.running).toBe(false);
    });
    expect(b.rt.isAlive(thrower)).toBe(false);
  });
});
