/**
 * The QUIC transport's streams and connections over the quinn binding (cluster/quinn-binding.ts):
 * a {@link QuicStream} serializes writes on one native stream (what queues behind the write in
 * flight leaves as one write: unawaited writes can arrive out of order) and runs its read loop;
 * a {@link QuicConnection} owns the main stream and the lanes, accepts the peer's streams, and
 * ends them all once when the native connection closes. The identity exchange that precedes a
 * connection, and the transport itself, are in transport-quic.ts.
 *
 * @example
 * const main = new QuicStream(await native.outboundStream(), () => native.abort());
 * const conn = new QuicConnection(native, main, remote);
 * main.startReading(); conn.acceptStreams();
 */
import { HandshakeError } from './errors.js';
import type { NativeConnection, NativeStream } from './quinn-binding.js';
import {
  BufferedStream,
  type ByteStream,
  CloseSignal,
  type Connection,
  type PeerIdentity,
} from './transport.js';

// ------------------------------------------------------------------ streams

const READ_CHUNK = 64 * 1024;
/** Bytes queued behind the write in flight before `write` reports backpressure. */
const HIGH_WATER = 4 * 1024 * 1024;

/** A native stream with serialized writes and a read loop. */
export class QuicStream extends BufferedStream {
  readonly native: NativeStream;
  #inFlight = false;
  #queued: Uint8Array[] = [];
  #queuedBytes = 0;
  #failed = false;
  /** A write returned false (past the high-water mark): fire drained() once below it again. */
  #full = false;

  constructor(native: NativeStream, onError: (err: Error) => void) {
    super((chunk) => this.#enqueue(chunk));
    this.native = native;
    this.#onError = onError;
  }

  readonly #onError: (err: Error) => void;

  /** Start delivering what arrives (after any bytes already taken by the caller). */
  startReading(): void {
    void (async () => {
      try {
        // The next read is issued before this chunk is delivered, so quinn fills it while JS
        // handles the chunk: each native call costs a thread hop (~20 µs), and starting it only
        // after delivery put that hop on every read cycle. One read is still pending at a time
        // (issued only after the previous resolved), so chunks stay in order.
        let next = this.native.read(READ_CHUNK);
        for (;;) {
          const chunk = await next;
          if (chunk == null) break;
          next = this.native.read(READ_CHUNK);
          try {
            this.deliver(chunk);
          } catch (err) {
            next.catch(() => {}); // we stop reading; its outcome no longer matters
            throw err;
          }
        }
        this.end();
      } catch (err) {
        this.end(err as Error);
      }
    })();
  }

  /** Read exactly `n` bytes before the read loop starts (handshake use). */
  async readExactly(n: number, held: Uint8Array[]): Promise<Buffer> {
    let have = held.reduce((s, c) => s + c.length, 0);
    while (have < n) {
      const chunk = await this.native.read(READ_CHUNK);
      if (chunk == null) throw new HandshakeError('stream ended during the identity exchange');
      held.push(chunk);
      have += chunk.length;
    }
    const all = Buffer.concat(held);
    held.length = 0;
    if (all.length > n) held.push(all.subarray(n));
    return all.subarray(0, n);
  }

  // Unawaited concurrent writes on one native stream can arrive out of order: keep one write in
  // flight and batch what queues behind it.
  #enqueue(chunk: Uint8Array): boolean {
    if (this.#failed) return false;
    this.#queued.push(chunk);
    this.#queuedBytes += chunk.length;
    if (!this.#inFlight) this.#pump();
    if (this.#queuedBytes < HIGH_WATER) return true;
    this.#full = true;
    return false;
  }

  #pump(): void {
    if (this.#full && this.#queuedBytes < HIGH_WATER) {
      this.#full = false;
      this.drained();
    }
    if (this.#queued.length === 0) {
      this.#inFlight = false;
      return;
    }
    this.#inFlight = true;
    const data = this.#queued.length === 1 ? this.#queued[0]! : Buffer.concat(this.#queued);
    this.#queued = [];
    this.#queuedBytes = 0;
    this.native.write(data).then(
      () => this.#pump(),
      (err: Error) => {
        this.#failed = true;
        this.#inFlight = false;
        this.#onError(err);
      },
    );
  }

  /** Resolves once every queued write has been handed to the native stream. */
  async flushed(): Promise<void> {
    while (this.#inFlight && !this.#failed) await new Promise((r) => setImmediate(r));
  }
}

// ------------------------------------------------------------------ connections

/** Streams per connection, `main` included (also the binding's concurrent stream limit). */
export const MAX_STREAMS = 64;

export class QuicConnection implements Connection {
  readonly remote: PeerIdentity;
  readonly remoteAddress: string;
  readonly maxStreams = MAX_STREAMS;
  readonly main: QuicStream;
  readonly #native: NativeConnection;
  readonly #streams = new Set<QuicStream>();
  #onStream: ((s: ByteStream) => void) | undefined;
  #heldStreams: QuicStream[] = [];
  readonly #closed = new CloseSignal();
  #closing: Promise<void> | undefined;

  constructor(native: NativeConnection, main: QuicStream, remote: PeerIdentity) {
    this.#native = native;
    this.main = main;
    this.remote = remote;
    this.remoteAddress = native.remoteMultiaddr();
    this.#streams.add(main);
    native.closed().then(
      () => this.#finish(undefined),
      (err: Error) => this.#finish(err),
    );
    main.onEnd(() => this.destroy());
  }

  /** Accept the peer's further streams (lanes) for as long as the connection lives. */
  acceptStreams(): void {
    void (async () => {
      while (!this.#closed.closed) {
        let native: NativeStream;
        try {
          native = await this.#native.inboundStream();
        } catch {
          return; // the connection is gone; closed() reports why
        }
        const s = this.#wrap(native);
        if (this.#onStream) this.#onStream(s);
        else this.#heldStreams.push(s);
        s.startReading();
      }
    })();
  }

  #wrap(native: NativeStream): QuicStream {
    const s = new QuicStream(native, (err) => this.destroy(err));
    this.#streams.add(s);
    return s;
  }

  async openStream(): Promise<ByteStream> {
    if (this.#streams.size >= MAX_STREAMS) throw new HandshakeError(`stream limit ${MAX_STREAMS} reached`);
    const s = this.#wrap(await this.#native.outboundStream());
    s.startReading();
    return s;
  }

  onStream(handler: (stream: ByteStream) => void): void {
    this.#onStream = handler;
    const held = this.#heldStreams;
    this.#heldStreams = [];
    for (const s of held) handler(s);
  }

  onClose(handler: (err?: Error) => void): void {
    this.#closed.on(handler);
  }

  #finish(err: Error | undefined): void {
    this.#closed.fire(err, () => {
      for (const s of this.#streams) s.end(err);
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Hand queued bytes to quinn, then close; quinn flushes stream data before the close frame.
      await Promise.all([...this.#streams].map((s) => s.flushed()));
      await Promise.allSettled([...this.#streams].map((s) => s.native.finishWrite()));
      this.destroy();
    })();
    return this.#closing;
  }

  destroy(err?: Error): void {
    if (!this.#closed.closed) {
      this.#native.abort();
      this.#finish(err);
    }
  }
}
