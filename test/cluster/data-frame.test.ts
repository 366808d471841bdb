import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataFrameBodySize, readDataFrame, writeDataFrameBody } from '../../cluster/data-frame.js';
import { decodeBody, FrameDecoder } from '../../cluster/frame-codec.js';
import { FrameWriter } from '../../cluster/frame-writer.js';
import { type Frame, FrameType } from '../../cluster/protocol.js';
import { BufferedStream } from '../../cluster/transport.js';

const pid = fc.oneof(
  fc.integer({ min: 1024, max: 2 ** 32 - 1 }),
  fc.integer({ min: 2 ** 32, max: Number.MAX_SAFE_INTEGER }),
);
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 0x10000, max: 0x10100 }).map((n) => new Uint8Array(n)),
);
const dataFrame = fc.oneof(
  fc.tuple(fc.constant(FrameType.SendPid), pid, payload),
  fc.tuple(fc.constant(FrameType.SendName), fc.string({ unit: 'grapheme', maxLength: 300 }), payload),
) as fc.Arbitrary<Frame & [20 | 21, unknown, Uint8Array]>;

const norm = (f: Frame): unknown[] =>
  f.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

describe('hand-written message frames', () => {
  it('are ordinary msgpack that the general decoder reads back unchanged', () => {
    fc.assert(
      fc.property(dataFrame, (frame) => {
        const out = Buffer.alloc(dataFrameBodySize(frame as never));
        expect(writeDataFrameBody(frame as never, out, 0)).toBe(out.length);
        expect(norm(decodeBody(out))).toEqual(norm(frame));
        if (frame[0] === FrameType.SendPid)
          expect(norm(readDataFrame(out, 0, out.length)!)).toEqual(norm(frame));
      }),
      { numRuns: 500 },
    );
  });

  it('go through a coalescing writer and a decoder fed any split unchanged and in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(dataFrame, { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat()),
        async (frames, cuts) => {
          const written: Uint8Array[] = [];
          const w = new FrameWriter(new BufferedStream((c) => written.push(c) > 0));
          for (const f of frames) w.push(f);
          w.push([FrameType.Heartbeat, 7]);
          w.flush();
          const stream = Buffer.concat(written);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const dec = new FrameDecoder();
          const got: Frame[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            got.push(...dec.push(stream.subarray(prev, p)));
            prev = p;
          }
          expect(got.map(norm)).toEqual([...frames, [FrameType.Heartbeat, 7]].map((f) => norm(f as Frame)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fall back to the general decoder for anything not laid out as written', () => {
    const odd = Buffer.from([0x93, FrameType.SendPid, 0xce, 0, 0, 4, 0, 0xc4, 5, 1]); // bin too short
    expect(readDataFrame(odd, 0, odd.length)).toBeUndefined();
    expect(() => decodeBody(odd)).toThrow(/not valid msgpack/);
  });
});
