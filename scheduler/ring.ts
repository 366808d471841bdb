/**
 * A single-producer / single-consumer ring of variable-length byte messages in a
 * SharedArrayBuffer. One ring exists per ordered pair of threads (main thread included), so every
 * index has exactly one writer and no compare-and-swap is needed on the hot path.
 *
 * Layout (byte offsets into the SharedArrayBuffer):
 *
 * | offset | field        | written by | meaning                                              |
 * | ------ | ------------ | ---------- | ---------------------------------------------------- |
 * | 0      | `head`       | consumer   | bytes consumed so far (mod 2^32)                      |
 * | 64     | `tail`       | producer   | bytes published so far (mod 2^32)                     |
 * | 128    | `wantSpace`  | both       | 1 = the producer is waiting for the consumer to free space |
 * | 256…   | data         | see below  | `capacity` bytes, a power of two                      |
 *
 * `head` and `tail` sit on separate 64-byte cache lines so the two threads do not false-share.
 * Indices grow forever and wrap at 2^32; with a power-of-two capacity ≤ 2^30,
 * `(tail - head) >>> 0` is the number of unread bytes even across the wrap.
 *
 * A record is a 4-byte header (bit 31 = MORE: another chunk of the same message follows; bit
 * 30 = PID_RECORD: the payload is a target pid, f64 in two words, then the message; bits 0–29 =
 * payload length) followed by the payload padded to 4 bytes. Headers are 4-aligned and the
 * capacity is a multiple of 4, so a header never straddles the end of the buffer; a payload may,
 * and is then copied in two parts. Messages longer than `maxChunk` are split into chunks; because
 * there is one producer the chunks of one message are contiguous in the stream, and the consumer
 * reassembles them. A message longer than the whole ring still arrives: the producer keeps the
 * rest in its local queue and writes it as the consumer frees space.
 *
 * Memory ordering: JavaScript `Atomics` operations are sequentially consistent and order the
 * plain (non-atomic) accesses around them. The producer writes payload and header with plain
 * stores and only then `Atomics.store`s `tail`; the consumer `Atomics.load`s `tail` before
 * reading any byte below it, so it never sees a half-written record. Symmetrically the consumer
 * finishes copying a record out before it `Atomics.store`s `head`, and the producer
 * `Atomics.load`s `head` before reusing that space.
 *
 * @example
 * const sab = createRing({ capacity: 1 << 16 });
 * const tx = new RingProducer(sab);
 * const rx = new RingConsumer(sab);
 * tx.send(new Uint8Array([1, 2, 3]));
 * tx.publish();
 * rx.read((bytes) => console.log(bytes)); // Uint8Array [1, 2, 3]
 */
import { RingOptionError } from './errors.js';
import { isPowerOfTwoIn, RING_HEADER_BYTES } from './ring-layout.js';

export interface RingOptions {
  /** Data bytes; a power of two between 64 and 2^30. Default 1 MiB. */
  readonly capacity?: number;
}

/**
 * Allocate the SharedArrayBuffer of one ring; hand it to both threads.
 * @example const sab = createRing({ capacity: 1 << 20 });
 */
export function createRing(options: RingOptions = {}): SharedArrayBuffer {
  const capacity = options.capacity ?? 1 << 20;
  if (!isPowerOfTwoIn(capacity, 64, 2 ** 30)) {
    throw new RingOptionError(
      `options.capacity must be a power of two between 64 and 2^30, got ${String(capacity)}`,
    );
  }
  return new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
}

export { RingConsumer } from './ring-consumer.js';
export { type ProducerOptions, type ProducerStats, RingProducer, type SendResult } from './ring-producer.js';
