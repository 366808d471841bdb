import { describe, expect, it } from 'vitest';
import { resolveDetectorOptions } from '../../cluster/failure-detector.js';
import { PeerLink } from '../../cluster/peer-link.js';
import { type Frame, FrameType } from '../../cluster/protocol.js';
import { BufferedStream, type ByteStream, type Connection } from '../../cluster/transport.js';
import { silentLogger } from '../../runtime/logger.js';
import { eventually } from '../helpers/eventually.js';

/**
 * Two in-memory connection ends with multiplexed streams. A stream can be stalled: its bytes
 * are held (as a congested QUIC stream's would be) until released.
 */
function memoryPair(maxStreams: number) {
  const stalled = new Map<BufferedStream, Uint8Array[]>();
  const pipe = (): [BufferedStream, BufferedStream] => {
    let a: BufferedStream;
    let b: BufferedStream;
    const send = (to: () => BufferedStream, self: () => BufferedStream) => (chunk: Uint8Array) => {
      const held = stalled.get(self());
      const copy = Uint8Array.from(chunk);
      if (held) held.push(copy);
      else queueMicrotask(() => to().deliver(copy));
      return true;
    };
    a = new BufferedStream(
      send(
        () => b,
        () => a,
      ),
    );
    b = new BufferedStream(
      send(
        () => a,
        () => b,
      ),
    );
    return [a, b];
  };
  const opened: BufferedStream[][] = [[], []];
  const handlers: ((s: ByteStream) => void)[] = [() => {}, () => {}];
  const end = (i: 0 | 1, main: BufferedStream): Connection => ({
    remote: { name: undefined, id: `end${i}` },
    remoteAddress: `memory:${1 - i}`,
    maxStreams,
    main,
    async openStream() {
      const [mine, theirs] = pipe();
      opened[i]!.push(mine);
      handlers[1 - i]!(theirs);
      return mine;
    },
    onStream(h) {
      handlers[i] = h;
    },
    onClose() {},
    async close() {},
    destroy() {},
  });
  const [m0, m1] = pipe();
  return {
    ends: [end(0, m0), end(1, m1)] as const,
    /** The streams end `i` opened, in order (its lanes). */
    opened,
    stall(s: BufferedStream) {
      stalled.set(s, []);
    },
    /** Let a stalled stream's held bytes (and later ones) through, in order. */
    release(s: BufferedStream) {
      const held = stalled.get(s) ?? [];
      stalled.delete(s);
      for (const c of held) s.write(c);
    },
  };
}

describe('message lanes', () => {
  it('keep messages to one destination in order while a stalled lane does not block others', async () => {
    const lanes = 4;
    const mem = memoryPair(1 + lanes);
    const a = new PeerLink(mem.ends[0], { dialed: true, logger: silentLogger });
    const b = new PeerLink(mem.ends[1], { dialed: false, logger: silentLogger });
    const got: Frame[] = [];
    b.onFrame((f) => got.push(f));
    const detector = resolveDetectorOptions({ heartbeatInterval: 60_000 });
    a.start(detector, lanes);
    b.start(detector, lanes);
    await eventually(() => expect(mem.opened[0]).toHaveLength(lanes));
    // pid % lanes picks the lane: 1024 → lane 0, 1025 → lane 1.
    const slow = 1024;
    const fast = 1025;
    mem.stall(mem.opened[0]![0]!);
    for (let i = 0; i < 100; i++) {
      a.sendData([FrameType.SendPid, slow, Uint8Array.of(i)], slow);
      a.sendData([FrameType.SendPid, fast, Uint8Array.of(i)], fast);
    }
    const seqOf = (pid: number) => got.filter((f) => f[1] === pid).map((f) => (f[2] as Uint8Array)[0]);
    await eventually(() => expect(seqOf(fast)).toHaveLength(100));
    expect(seqOf(slow)).toEqual([]);
    mem.release(mem.opened[0]![0]!);
    await eventually(() => expect(seqOf(slow)).toHaveLength(100));
    const inOrder = Array.from({ length: 100 }, (_, i) => i);
    expect(seqOf(slow)).toEqual(inOrder);
    expect(seqOf(fast)).toEqual(inOrder);
    a.destroy('test over');
    b.destroy('test over');
  });

  it('collapse onto the main stream when the transport carries one stream', async () => {
    const mem = memoryPair(1);
    const a = new PeerLink(mem.ends[0], { dialed: true, logger: silentLogger });
    const b = new PeerLink(mem.ends[1], { dialed: false, logger: silentLogger });
    const got: Frame[] = [];
    b.onFrame((f) => got.push(f));
    const detector = resolveDetectorOptions({ heartbeatInterval: 60_000 });
    a.start(detector, 4);
    a.sendData([FrameType.SendName, 'svc', Uint8Array.of(1)], 'svc');
    await eventually(() => expect(got).toHaveLength(1));
    expect(mem.opened[0]).toHaveLength(0);
    a.destroy('test over');
    b.destroy('test over');
  });
});
