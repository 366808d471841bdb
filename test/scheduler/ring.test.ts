import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRing, RingConsumer, RingProducer } from '../../scheduler/ring.js';
import type { TakePid } from '../../scheduler/ring-consumer.js';
import { takeLocal } from '../../wasm-actors/local-bytes.js';

type Op =
  | { kind: 'send'; bytes: Uint8Array }
  | { kind: 'pid'; pid: number; bytes: Uint8Array }
  | { kind: 'publish' }
  | { kind: 'flush' }
  | { kind: 'read'; max: number };

/**
 * An empty 64-byte ring whose head and tail both sit at byte `4 * shift` (an empty message takes
 * 4 bytes): where the next record starts, to put it across the ring's end.
 */
function emptyRingAt(shift: number): { tx: RingProducer; rx: RingConsumer } {
  const sab = createRing({ capacity: 64 });
  const tx = new RingProducer(sab, { maxChunk: 28 });
  const rx = new RingConsumer(sab);
  for (let i = 0; i < shift; i++) tx.send(new Uint8Array(0));
  tx.publish();
  rx.read(() => {});
  return { tx, rx };
}

/** Send one pid record, publish it, and return every pid record the consumer then reads. */
function sendPidAndRead(
  tx: RingProducer,
  rx: RingConsumer,
  pid: number,
  body: Uint8Array,
): [number, Uint8Array][] {
  expect(tx.trySendPid(pid, body)).toBe(true);
  return publishAndReadPids(tx, rx);
}

/** Publish what `tx` wrote and return every pid record the consumer then reads. */
function publishAndReadPids(tx: RingProducer, rx: RingConsumer): [number, Uint8Array][] {
  tx.publish();
  const got: [number, Uint8Array][] = [];
  rx.read(
    () => {},
    Number.POSITIVE_INFINITY,
    0,
    (p, b) => got.push([p, b]),
  );
  return got;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'send' as const, bytes })),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 100, maxLength: 700 })
      .map((bytes) => ({ kind: 'send' as const, bytes })),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({
        // Pids above 2^32 too: both words of the f64 must survive (and wrap at the buffer end).
        pid: fc.oneof(fc.integer({ min: 1, max: 2 ** 32 }), fc.integer({ min: 2 ** 32, max: 2 ** 53 - 1 })),
        bytes: fc.uint8Array({ maxLength: 24 }),
      })
      .map(({ pid, bytes }) => ({ kind: 'pid' as const, pid, bytes })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'publish' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }).map((max) => ({ kind: 'read' as const, max })) },
);

describe('SPSC ring', () => {
  it('any interleaving of writes and reads preserves bytes and order, with nothing lost (pid records included)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(64, 128, 256, 1024),
        fc.integer({ min: 1, max: 28 }),
        fc.array(opArb, { maxLength: 120 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (capacity, chunk, ops, takes) => {
          const sab = createRing({ capacity });
          const tx = new RingProducer(sab, { maxChunk: Math.min(chunk, capacity / 2 - 4) });
          const rx = new RingConsumer(sab);
          // A pid record arrives as `{ pid, bytes }`; a plain message as `{ bytes }`.
          type Got = { pid?: number; bytes: Uint8Array };
          const accepted: Got[] = [];
          const received: Got[] = [];
          const onMessage = (bytes: Uint8Array) => received.push({ bytes });
          const onPid = (pid: number, bytes: Uint8Array) => received.push({ pid, bytes });
          // Pid records offered in place: taken (read from the ring the way a shard reads them
          // for a Wasm actor, into a pooled message) or declined (then copied out for onPid), by
          // turns of `takes`; the two paths must interleave without losing or reordering anything.
          let turn = 0;
          const takePid: TakePid = (pid, ring, start, len) => {
            expect(start % 4).toBe(0);
            expect(start + len).toBeLessThanOrEqual(capacity);
            if (!takes[turn++ % takes.length]) return false;
            received.push({ pid, bytes: takeLocal(ring, start, len).toBytes() });
            return true;
          };
          for (const op of ops) {
            if (op.kind === 'pid') {
              // The mesh's pattern: a pid record when possible, else the generic path (which
              // queues behind a full ring and keeps the order).
              if (tx.trySendPid(op.pid, op.bytes)) accepted.push({ pid: op.pid, bytes: op.bytes.slice() });
              else {
                const joined = new Uint8Array(op.bytes.length + 8);
                new DataView(joined.buffer).setFloat64(0, op.pid, true);
                joined.set(op.bytes, 8);
                if (tx.send(joined) !== 'refused') accepted.push({ bytes: joined });
              }
              op.bytes.fill(0xee);
            } else if (op.kind === 'send') {
              const result = tx.send(op.bytes);
              if (result !== 'refused') accepted.push({ bytes: op.bytes.slice() });
              op.bytes.fill(0xee); // the ring must have copied what it accepted
            } else if (op.kind === 'publish') tx.publish();
            else if (op.kind === 'flush') tx.flush();
            else if (rx.read(onMessage, op.max, 0, onPid, takePid).spaceFreed) tx.flush();
          }
          // Drain: the producer flushes whenever the consumer frees space, until all arrived.
          for (let i = 0; i < 100_000 && (tx.pressured || rx.hasData() || tx.publish()); i++) {
            rx.read(onMessage, Number.POSITIVE_INFINITY, 0, onPid, takePid);
            tx.flush();
          }
          expect(received.length).toBe(accepted.length);
          for (let i = 0; i < accepted.length; i++) expect(received[i]).toEqual(accepted[i]);
          expect(tx.stats().accepted).toBe(accepted.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a pid record survives every position of the wrap (pid words and bytes split at the end)', () => {
    const pid = 2 ** 52 + 12345; // both 32-bit words non-zero
    for (let shift = 0; shift < 16; shift++) {
      const { tx, rx } = emptyRingAt(shift);
      const body = Uint8Array.from({ length: 13 }, (_, i) => 200 - i);
      expect(sendPidAndRead(tx, rx, pid, body)).toEqual([[pid, body]]);
    }
  });

  it('a pid record is offered in place unless its body wraps around the ring end; a declined one is copied out', () => {
    const pid = 2 ** 41 + 3;
    const body = Uint8Array.from({ length: 13 }, (_, i) => 100 + i);
    const record = 4 + 8 + 16; // header, pid words, 13 bytes padded to 16
    for (let shift = 0; shift < 16; shift++) {
      const { tx, rx } = emptyRingAt(shift);
      const offered: number[] = [];
      const taken: Uint8Array[] = [];
      const copied: Uint8Array[] = [];
      const take =
        (accept: boolean): TakePid =>
        (p, ring, start, len) => {
          expect(p).toBe(pid);
          offered.push(start);
          if (accept) taken.push(ring.u8.slice(start, start + len));
          return accept;
        };
      for (const accept of [true, false]) {
        expect(tx.trySendPid(pid, body)).toBe(true);
        tx.publish();
        rx.read(
          () => {},
          Number.POSITIVE_INFINITY,
          0,
          (_p, b) => copied.push(b),
          take(accept),
        );
      }
      // The two records start at 4·shift and 4·shift + 28 (mod 64); the body 12 bytes further in.
      const bodies = [4 * shift + 12, 4 * shift + record + 12].map((at) => at & 63);
      const inPlace = bodies.filter((at) => at + body.length <= 64);
      expect(offered).toEqual(inPlace);
      const first = inPlace.includes(bodies[0] as number);
      expect(taken).toEqual(first ? [body] : []);
      // The declined record and every wrapping one arrive through onPid, intact.
      expect(copied).toEqual(first ? [body] : [body, body]);
    }
  });

  it('pid records of every size from 0 to 100 bytes survive the wrap (word copies and the byte path)', () => {
    const sab = createRing({ capacity: 256 });
    const tx = new RingProducer(sab, { maxChunk: 124 });
    const rx = new RingConsumer(sab);
    for (let size = 0; size <= 100; size++) {
      const body = Uint8Array.from({ length: size }, (_, i) => (size * 31 + i * 7) & 0xff);
      const pid = 2 ** 40 + size;
      expect(sendPidAndRead(tx, rx, pid, body)).toEqual([[pid, body]]);
    }
  });

  it('a pid record written from a range of a larger buffer carries exactly that range, copied at the call', () => {
    const sab = createRing({ capacity: 256 });
    const tx = new RingProducer(sab, { maxChunk: 124 });
    const rx = new RingConsumer(sab);
    for (let size = 0; size <= 100; size += 3) {
      // Guest memory: the message sits at an odd offset between bytes that must not travel.
      const start = 1 + (size % 7);
      const src = Uint8Array.from({ length: start + size + 9 }, (_, i) => (i * 13 + size) & 0xff);
      const want = src.slice(start, start + size);
      const pid = 2 ** 33 + size;
      expect(tx.trySendPidRange(pid, src, start, start + size)).toBe(true);
      src.fill(0xee); // the caller may reuse its memory at once
      expect(publishAndReadPids(tx, rx)).toEqual([[pid, want]]);
    }
  });

  it('a range larger than a record is refused by trySendPidRange and nothing is written', () => {
    const sab = createRing({ capacity: 256 });
    const tx = new RingProducer(sab, { maxChunk: 32 });
    const src = new Uint8Array(100);
    expect(tx.trySendPidRange(7, src, 10, 10 + 25)).toBe(false); // 25 + 8 pid bytes > 32
    expect(tx.publish()).toBe(false);
    expect(tx.trySendPidRange(7, src, 10, 10 + 24)).toBe(true);
  });

  it('a message larger than the whole ring arrives intact', () => {
    const sab = createRing({ capacity: 256 });
    const tx = new RingProducer(sab);
    const rx = new RingConsumer(sab);
    const big = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    expect(tx.send(big)).toBe('queued');
    expect(tx.send(new Uint8Array([7]))).toBe('queued');
    const got: Uint8Array[] = [];
    while (got.length < 2) {
      rx.read((b) => got.push(b));
      tx.flush();
    }
    expect(got[0]).toEqual(big);
    expect(got[1]).toEqual(new Uint8Array([7]));
  });

  it('a full ring queues locally, reports pressure, and refuses past the queue bound', () => {
    const sab = createRing({ capacity: 64 });
    const tx = new RingProducer(sab, { maxQueuedBytes: 40 });
    const msg = new Uint8Array(12);
    const results = Array.from({ length: 10 }, () => tx.send(msg));
    expect(results.slice(0, 4)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(results.slice(4, 7)).toEqual(['queued', 'queued', 'queued']);
    expect(results.slice(7)).toEqual(['refused', 'refused', 'refused']);
    expect(tx.pressured).toBe(true);
    expect(tx.stats()).toMatchObject({ accepted: 7, queued: 3, refused: 3, queueDepth: 3 });
    const rx = new RingConsumer(sab);
    let count = 0;
    const first = rx.read(() => count++);
    expect(first.spaceFreed).toBe(true);
    tx.flush();
    rx.read(() => count++);
    expect(count).toBe(7);
    expect(tx.pressured).toBe(false);
  });

  it('rejects a capacity that is not a power of two, naming the option', () => {
    expect(() => createRing({ capacity: 1000 })).toThrow(/options\.capacity must be a power of two/);
  });

  it('rejects a chunk size the ring cannot hold, naming the option', () => {
    expect(() => new RingProducer(createRing({ capacity: 64 }), { maxChunk: 64 })).toThrow(
      /options\.maxChunk/,
    );
  });
});
