import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameError,
  FrameTooLargeError,
  MalformedFrameError,
  UnknownFrameError,
} from '../../cluster/errors.js';
import { decodeBody, encodeFrame, FrameDecoder, joinBodies } from '../../cluster/frame-codec.js';
import { type Frame, FrameType, validateFrame } from '../../cluster/protocol.js';

const name = fc.string({ maxLength: 20 });
const uint = fc.nat({ max: 2 ** 40 });
const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.tuple(fc.constant(FrameType.Heartbeat), uint),
  fc.tuple(fc.constant(FrameType.SendName), name, fc.uint8Array({ maxLength: 300 })),
  fc.tuple(fc.constant(FrameType.SendPid), uint, fc.uint8Array({ maxLength: 300 })),
  fc.tuple(fc.constant(FrameType.RegAdd), name, uint),
  fc.tuple(fc.constant(FrameType.Down), uint, uint, name),
  fc.tuple(
    fc.constant(FrameType.Hello),
    fc.nat(5),
    name,
    uint,
    name,
    fc.nat(65535),
    fc.array(fc.tuple(name, name, fc.nat(65535)), { maxLength: 3 }),
  ),
  fc.tuple(fc.constant(FrameType.Request), uint, name, fc.jsonValue()),
) as fc.Arbitrary<Frame>;

/** Normalise decoded Buffers to Uint8Array so toEqual compares bytes, not classes. */
function norm(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.map(norm);
  // msgpack has no negative zero: -0 travels as the integer 0.
  if (Object.is(v, -0)) return 0;
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]));
  return v;
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    parts.push(bytes.subarray(prev, p));
    prev = p;
  }
  parts.push(bytes.subarray(prev));
  return parts;
}

describe('frame codec', () => {
  it('decodes the same frames however the byte stream is split', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 20 }), fc.array(fc.nat()), (frames, cuts) => {
        const stream = joinBodies(frames.map((f) => encodeFrame(f).subarray(4)));
        const dec = new FrameDecoder();
        const got: Frame[] = [];
        for (const part of splitAt(stream, cuts)) got.push(...dec.push(part));
        expect(norm(got)).toEqual(norm(frames));
        expect(dec.buffered).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but a FrameError on random garbage', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const dec = new FrameDecoder(1024);
        try {
          for (const c of chunks) dec.push(c);
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but a FrameError on garbage bodies behind a valid length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (body) => {
        try {
          const frame = decodeBody(body);
          expect(Array.isArray(frame)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects a declared length over the cap before buffering the body', () => {
    const dec = new FrameDecoder(100);
    const header = Buffer.from([0, 0, 0, 101]);
    expect(() => dec.push(header)).toThrow(FrameTooLargeError);
    // A failed decoder stays failed: the stream's framing is lost.
    expect(() => dec.push(Buffer.from([1]))).toThrow(FrameTooLargeError);
  });

  it('rejects a zero-length frame', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0]))).toThrow(FrameTooLargeError);
  });

  it('refuses to encode a frame over the cap', () => {
    const big: Frame = [FrameType.SendPid, 1024, new Uint8Array(200)];
    expect(() => encodeFrame(big, 100)).toThrow(FrameTooLargeError);
  });

  it('rejects an unknown frame type with a typed error', () => {
    expect(() => validateFrame([99, 'x'])).toThrow(UnknownFrameError);
    expect(() => decodeBody(encodeFrame([99 as 4, 1]).subarray(4))).toThrow(/unknown frame type 99/);
  });

  it('rejects a known frame type with the wrong shape, naming the field', () => {
    expect(() => validateFrame([FrameType.SendPid, -1, new Uint8Array(1)])).toThrow(MalformedFrameError);
    expect(() => validateFrame([FrameType.SendName, 'x', 'not bytes'])).toThrow(/payload must be binary/);
    expect(() => validateFrame([FrameType.Heartbeat])).toThrow(/expected 2 elements/);
    expect(() => validateFrame({ 0: 4 })).toThrow(/non-empty msgpack array/);
  });

  it('checks nested peer lists, registry entries and reply flags field by field', () => {
    const hello = (peers: unknown): unknown[] => [FrameType.Hello, 1, 'a', 7, 'h', 4100, peers];
    expect(validateFrame(hello([['b', 'h', 4101]]))).toEqual(hello([['b', 'h', 4101]]));
    expect(() => validateFrame(hello('x'))).toThrow(/frame type 1: peers must be an array/);
    expect(() => validateFrame(hello([['b', 'h']]))).toThrow(/each peer must be \[name, host, port\]/);
    expect(() => validateFrame(hello([['b', 'h', -1]]))).toThrow(/peer port must be a non-negative integer/);
    expect(() => validateFrame([FrameType.RegSync, [['n', 1], ['m']]])).toThrow(
      /frame type 9: each entry must be \[name, pid\]/,
    );
    expect(() => validateFrame([FrameType.RegSync, [[5, 1]]])).toThrow(/entry name must be a string/);
    expect(() => validateFrame([FrameType.Reply, 1, 'yes', null])).toThrow(/ok must be a boolean/);
    expect(() => validateFrame([FrameType.Welcome, 'a', 7, 'h', 4100])).toThrow(/expected 6 elements, got 5/);
    expect(() => validateFrame([FrameType.RegAdd, 'x'.repeat(1025), 1])).toThrow(/at most 1024 chars/);
    // Only the numbers themselves are frame types: a string '4' or a prototype key is not.
    expect(() => validateFrame(['4', 1])).toThrow(UnknownFrameError);
    expect(() => validateFrame(['constructor'])).toThrow(UnknownFrameError);
  });

  it('accepts a well-formed frame of every type', () => {
    const b = new Uint8Array(1);
    const frames: Frame[] = [
      [FrameType.Hello, 1, 'a', 7, 'h', 1, []],
      [FrameType.Welcome, 'a', 7, 'h', 1, []],
      [FrameType.Reject, 'dup', 'a'],
      [FrameType.Heartbeat, 3],
      [FrameType.Request, 1, 'ping', { any: 'thing' }],
      [FrameType.Reply, 1, false, { code: 'X', message: 'm' }],
      [FrameType.RegAdd, 'n', 1],
      [FrameType.RegDel, 'n', 1],
      [FrameType.RegSync, [['n', 1]]],
      [FrameType.PeerUp, 'b', 'h', 2],
      [FrameType.Monitor, 1, 2],
      [FrameType.Demonitor, 1],
      [FrameType.Down, 1, 2, 'normal'],
      [FrameType.Bye, 'shutdown'],
      [FrameType.SendName, 'n', b],
      [FrameType.SendPid, 1, b],
    ];
    expect(new Set(frames.map((f) => f[0])).size).toBe(Object.keys(FrameType).length);
    for (const f of frames) expect(validateFrame(f)).toBe(f);
  });
});
