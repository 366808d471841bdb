/**
 * The transport seam: the one runtime-specific part of the cluster, kept small so that TLS over
 * TCP and QUIC (and test doubles) plug in alike and pass the same conformance tests.
 *
 * A transport authenticates peers with the node's {@link Identity} (mutual TLS in both
 * built-in transports) before it hands out a {@link Connection}: `dial` resolves only once the
 * listening side has verified the dialer's certificate and said so, so a refused dialer never
 * believes it is connected. A connection offers ordered byte streams: `main`, opened with the
 * connection, and — where the transport multiplexes (`maxStreams > 1`) — more from
 * `openStream`, which the cluster uses as message lanes that do not block each other.
 *
 * @example
 * const t = createTlsTransport(identity);
 * const listener = await t.listen('127.0.0.1', 0, (conn) => conn.main.onData((b) => conn.main.write(b)));
 * const conn = await t.dial('127.0.0.1', listener.port);
 */

import { HandshakeError } from './errors.js';

/** Who is on the other end, as the transport verified it. */
export interface PeerIdentity {
  /** The node name the peer's certificate vouches for (ca mode), undefined for a shared identity. */
  readonly name: string | undefined;
  /** A stable description of the peer's credential (certificate fingerprint or key id). */
  readonly id: string;
}

/** An ordered, reliable byte stream. Data that arrives before a handler is set is kept for it. */
export interface ByteStream {
  /** Queue bytes; returns false when the transport's buffer is past its high-water mark. */
  write(chunk: Uint8Array): boolean;
  onData(handler: (chunk: Uint8Array) => void): void;
  /** Called once when the stream ends (cleanly: no error). */
  onEnd(handler: (err?: Error) => void): void;
  /** Called each time the buffer drains after a `write` returned false. */
  onDrain(handler: () => void): void;
}

export interface Connection {
  readonly remote: PeerIdentity;
  readonly remoteAddress: string;
  /** How many streams this connection can carry in total (`main` included); 1 for TLS. */
  readonly maxStreams: number;
  readonly main: ByteStream;
  /** Open another stream (only when `maxStreams > 1`). */
  openStream(): Promise<ByteStream>;
  /** Streams the peer opened (beyond `main`). */
  onStream(handler: (stream: ByteStream) => void): void;
  /** Called once when the connection is gone, with the error if it failed. */
  onClose(handler: (err?: Error) => void): void;
  /** Graceful: flush what is queued, then close. Idempotent; one shared promise. */
  close(): Promise<void>;
  /** Immediate. Idempotent. */
  destroy(err?: Error): void;
}

export interface Listener {
  readonly port: number;
  /** Stop accepting and destroy connections accepted through this listener. */
  close(): Promise<void>;
}

export interface DialOptions {
  /** Give up after this many milliseconds (default 5000). */
  readonly timeout?: number;
  readonly signal?: AbortSignal;
}

export interface Transport {
  readonly kind: string;
  listen(host: string, port: number, onConnection: (conn: Connection) => void): Promise<Listener>;
  dial(host: string, port: number, options?: DialOptions): Promise<Connection>;
  /** Close every listener and connection of this transport and free its resources. */
  close(): Promise<void>;
}

/** The byte a listener writes once it has verified a dialer (see module docs). */
export const ACCEPT_BYTE = 0x01;

/** A {@link ByteStream} that holds data (and the end) until its handlers are attached. */
export class BufferedStream implements ByteStream {
  #onData: ((chunk: Uint8Array) => void) | undefined;
  #onEnd: ((err?: Error) => void) | undefined;
  #held: Uint8Array[] = [];
  #ended: { err: Error | undefined } | undefined;
  #onDrain: (() => void) | undefined;
  readonly #write: (chunk: Uint8Array) => boolean;

  constructor(write: (chunk: Uint8Array) => boolean) {
    this.#write = write;
  }

  write(chunk: Uint8Array): boolean {
    return this.#write(chunk);
  }

  onData(handler: (chunk: Uint8Array) => void): void {
    this.#onData = handler;
    const held = this.#held;
    this.#held = [];
    for (const c of held) handler(c);
  }

  onEnd(handler: (err?: Error) => void): void {
    this.#onEnd = handler;
    if (this.#ended) handler(this.#ended.err);
  }

  onDrain(handler: () => void): void {
    this.#onDrain = handler;
  }

  /** Transport side: the write buffer drained. */
  drained(): void {
    this.#onDrain?.();
  }

  /** Transport side: bytes arrived. */
  deliver(chunk: Uint8Array): void {
    if (this.#onData) this.#onData(chunk);
    else this.#held.push(chunk);
  }

  /** Transport side: the stream ended; fires once. */
  end(err?: Error): void {
    if (this.#ended) return;
    this.#ended = { err };
    this.#onEnd?.(err);
  }
}

/**
 * A connection's "closed once, tell everyone" bookkeeping, shared by the transports: handlers
 * added after the close run at once with the same error.
 */
export class CloseSignal {
  #handlers: ((err?: Error) => void)[] = [];
  #closed: { err: Error | undefined } | undefined;

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  on(handler: (err?: Error) => void): void {
    if (this.#closed) handler(this.#closed.err);
    else this.#handlers.push(handler);
  }

  /**
   * Mark closed, run `first` (already seeing `closed`, so re-entrant close paths are no-ops),
   * then the handlers. Returns false, doing nothing, if already closed.
   */
  fire(err: Error | undefined, first?: () => void): boolean {
    if (this.#closed) return false;
    this.#closed = { err };
    first?.();
    const handlers = this.#handlers;
    this.#handlers = [];
    for (const h of handlers) h(err);
    return true;
  }
}

/**
 * `p`, unless `ms` pass or `signal` aborts first: then a {@link HandshakeError} naming `what`,
 * and `giveUp` runs so the attempt behind `p` frees what it holds (both transports bound their
 * dials and identity exchanges this way).
 *
 * @example
 * const conn = await withDeadline(dialOnce(host, port), 5000, `dial ${host}:${port}`, { signal, giveUp });
 */
export function withDeadline<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  options: { readonly signal?: AbortSignal | undefined; readonly giveUp?: () => void } = {},
): Promise<T> {
  const { signal, giveUp } = options;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(new HandshakeError(`${what} ${reason}`));
      giveUp?.();
    };
    const timer = setTimeout(() => fail(`timed out after ${ms} ms`), ms);
    const onAbort = (): void => fail('aborted');
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(v);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(err);
      },
    );
  });
}

/**
 * The listeners and connections a transport has handed out, so that its `close()` ends them
 * all: connections are destroyed (each leaves the registry when it closes), then listeners
 * closed.
 *
 * @example
 * const reg = new TransportRegistry<TlsConnection>();
 * return reg.track(new TlsConnection(socket, peer)); // ... close: () => reg.closeAll()
 */
export class TransportRegistry<C extends Connection> {
  readonly #conns = new Set<C>();
  readonly #listeners = new Set<Listener>();

  /** Keep `conn` until it closes; returns it. */
  track(conn: C): C {
    this.#conns.add(conn);
    conn.onClose(() => this.#conns.delete(conn));
    return conn;
  }

  /** Keep `listener` until {@link forget} or {@link closeAll}; returns it. */
  listen(listener: Listener): Listener {
    this.#listeners.add(listener);
    return listener;
  }

  /** A listener closed on its own. */
  forget(listener: Listener): void {
    this.#listeners.delete(listener);
  }

  async closeAll(): Promise<void> {
    for (const c of [...this.#conns]) c.destroy();
    await Promise.all([...this.#listeners].map((l) => l.close()));
  }
}
