import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../cluster/frame-codec.js';
import { FrameWriter } from '../../cluster/frame-writer.js';
import { type Frame, FrameType } from '../../cluster/protocol.js';
import { BufferedStream } from '../../cluster/transport.js';

/** A writer over a stream that records every write. */
function recording(): { writer: FrameWriter; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  const writer = new FrameWriter(
    new BufferedStream((chunk) => {
      writes.push(chunk);
      return true;
    }),
  );
  return { writer, writes };
}

function decodeAll(writes: readonly Uint8Array[]): Frame[] {
  const dec = new FrameDecoder();
  return writes.flatMap((w) => dec.push(w));
}

describe('FrameWriter', () => {
  it('writes the frames of one turn in one write, in push order, across output growth', async () => {
    const { writer, writes } = recording();
    const sent: Frame[] = [];
    // Mixed message and control frames, well past the first output buffer (4 KiB): it must grow
    // and keep what was already encoded.
    for (let i = 0; i < 300; i++) {
      const f: Frame =
        i % 7 === 0
          ? [FrameType.Heartbeat, i]
          : i % 5 === 0
            ? [FrameType.SendName, `name-${i}`, Buffer.alloc(i, i & 0xff)]
            : [FrameType.SendPid, 1024 + i, Buffer.alloc(i % 90, i & 0xff)];
      writer.push(f);
      sent.push(f);
    }
    expect(writes).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    expect(writer.frames).toBe(300);
    const got = decodeAll(writes);
    expect(got).toHaveLength(300);
    for (let i = 0; i < 300; i++) {
      const [type, key, payload] = sent[i]! as [number, unknown, unknown];
      expect(got[i]![0]).toBe(type);
      expect(got[i]![1]).toEqual(key);
      if (payload !== undefined) expect(Buffer.from(got[i]![2] as Uint8Array)).toEqual(payload);
    }
  });

  it('starts every turn with a fresh buffer: a written chunk is never overwritten', () => {
    const { writer, writes } = recording();
    writer.push([FrameType.SendPid, 1024, Buffer.from('first')]);
    writer.flush();
    writer.push([FrameType.SendPid, 2048, Buffer.from('second')]);
    writer.flush();
    expect(writes).toHaveLength(2);
    const [a, b] = decodeAll(writes) as [Frame, Frame];
    expect([a[1], Buffer.from(a[2] as Uint8Array).toString()]).toEqual([1024, 'first']);
    expect([b[1], Buffer.from(b[2] as Uint8Array).toString()]).toEqual([2048, 'second']);
  });

  it('refuses an oversized frame at push and keeps the frames queued before it', () => {
    const { writer, writes } = recording();
    const small = new FrameWriter(new BufferedStream((c) => writes.push(c) > 0), 100);
    small.push([FrameType.SendPid, 1024, Buffer.alloc(10)]);
    expect(() => small.push([FrameType.SendPid, 1024, Buffer.alloc(200)])).toThrow(/100/);
    small.flush();
    expect(decodeAll(writes)).toHaveLength(1);
    writer.close();
  });

  it('pushPid writes the same bytes as pushing the SendPid frame, for 32- and 53-bit pids', () => {
    const a = recording();
    const b = recording();
    for (const [pid, size] of [
      [1024, 64],
      [2 ** 40 + 7, 300],
      [Number.MAX_SAFE_INTEGER, 70_000],
    ] as const) {
      const payload = Buffer.alloc(size, size & 0xff);
      a.writer.push([FrameType.SendPid, pid, payload]);
      b.writer.pushPid(pid, payload);
    }
    a.writer.flush();
    b.writer.flush();
    expect(Buffer.from(b.writes[0]!)).toEqual(Buffer.from(a.writes[0]!));
    expect(decodeAll(b.writes).map((f) => f[1])).toEqual([1024, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]);
    expect(b.writer.frames).toBe(3);
  });

  it('pushPid refuses a frame over the cap at the call', () => {
    const w = new FrameWriter(new BufferedStream(() => true), 100);
    expect(() => w.pushPid(1024, Buffer.alloc(200))).toThrow(/100/);
    expect(w.isCongested).toBe(false);
  });

  it('drops what is queued on close and writes nothing after', () => {
    const { writer, writes } = recording();
    writer.push([FrameType.Heartbeat, 1]);
    writer.close();
    writer.push([FrameType.Heartbeat, 2]);
    writer.flush();
    expect(writes).toHaveLength(0);
  });
});
