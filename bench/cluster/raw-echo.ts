/**
 * The raw baselines of `cluster-fanout`: a framed echo straight over `node:tls` and straight over
 * the quinn binding, without the cluster. Both use the same method, the one the cluster's
 * transports use: `[u32 length][body]` frames on one long-lived stream per worker, frames queued
 * during an event-loop turn leave in one write, and the echo side sends back every complete
 * frame of a chunk in one write. Over quinn, writes are also serialized (one in flight, what
 * queues behind it goes out as one write), as the binding requires for ordering.
 *
 * @example
 * const server = await startRawEcho('quic', identity);
 * const client = await dialRawEcho('quic', identity, server.port, () => replies++);
 * client.send(frame);
 */
import tls from 'node:tls';
import type { Identity } from '../../cluster/identity.js';
import {
  loadQuinn,
  type NativeConnection,
  type NativeStream,
  quinnConfig,
} from '../../cluster/quinn-binding.js';

export type RawKind = 'tls' | 'quic';

/** Split `[u32 len][body]` frames out of `buf`; calls `onFrame` per frame, returns the leftover. */
export function parseFrames(buf: Buffer, onFrame: (frame: Buffer) => void): Buffer {
  let at = 0;
  while (buf.length - at >= 4) {
    const len = buf.readUInt32BE(at);
    if (buf.length - at - 4 < len) break;
    onFrame(buf.subarray(at, at + 4 + len));
    at += 4 + len;
  }
  return buf.subarray(at);
}

/** Feeds chunks of a byte stream to `onFrame`, one call per complete frame. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Uint8Array) => void {
  let rest: Buffer = Buffer.alloc(0);
  return (chunk) => {
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    rest = parseFrames(rest.length ? Buffer.concat([rest, b]) : b, onFrame);
  };
}

/** Keeps one native write in flight; what queues behind it leaves as one write. */
class SerialWriter {
  readonly #stream: NativeStream;
  #queued: Buffer[] = [];
  #busy = false;

  constructor(stream: NativeStream) {
    this.#stream = stream;
  }

  write(data: Buffer): void {
    this.#queued.push(data);
    if (!this.#busy) this.#next();
  }

  #next(): void {
    const q = this.#queued;
    if (q.length === 0) {
      this.#busy = false;
      return;
    }
    this.#busy = true;
    this.#queued = [];
    this.#stream.write(q.length === 1 ? q[0]! : Buffer.concat(q)).then(
      () => this.#next(),
      () => {}, // the connection is gone; the read loop ends too
    );
  }
}

async function readLoop(stream: NativeStream, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  try {
    for (;;) {
      const chunk = await stream.read(64 * 1024);
      if (chunk == null) return;
      onChunk(chunk);
    }
  } catch {
    // aborted: the benchmark is closing
  }
}

export interface RawServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The echo side: every complete frame of a chunk goes back in one write. */
export async function startRawEcho(kind: RawKind, identity: Identity): Promise<RawServer> {
  if (kind === 'quic') {
    const napi = await loadQuinn();
    const server = new napi.Server(quinnConfig(napi, identity, {}), '127.0.0.1', 0);
    let open = true;
    const serve = async (conn: NativeConnection): Promise<void> => {
      const stream = await conn.inboundStream();
      const out = new SerialWriter(stream);
      let frames: Buffer[] = [];
      const feed = framer((f) => frames.push(f));
      await readLoop(stream, (chunk) => {
        feed(chunk);
        if (frames.length) out.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
        frames = [];
      });
    };
    void (async () => {
      while (open) {
        try {
          void serve(await server.inboundConnection()).catch(() => {});
        } catch {
          // a failed handshake, or the server was aborted
        }
      }
    })();
    return {
      port: server.port(),
      close: async () => {
        open = false;
        server.abort();
      },
    };
  }
  const sockets: tls.TLSSocket[] = [];
  const server = tls.createServer(
    {
      cert: identity.certPem,
      key: identity.keyPem,
      minVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: false,
    },
    (s) => {
      sockets.push(s);
      s.setNoDelay(true);
      let frames: Buffer[] = [];
      const feed = framer((f) => frames.push(f));
      s.on('data', (chunk: Buffer) => {
        feed(chunk);
        if (frames.length) s.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
        frames = [];
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface RawClient {
  /** Queue a frame; frames queued in one event-loop turn leave in one write. */
  send(frame: Buffer): void;
  close(): void;
}

/** Dial a raw echo; `onReply` runs once per frame that comes back. */
export async function dialRawEcho(
  kind: RawKind,
  identity: Identity,
  port: number,
  onReply: () => void,
): Promise<RawClient> {
  let write: (data: Buffer) => void;
  let close: () => void;
  const feed = framer(() => onReply());
  if (kind === 'quic') {
    const napi = await loadQuinn();
    const client = new napi.Client(quinnConfig(napi, identity, {}), 0);
    const conn = await client.outboundConnection('127.0.0.1', port);
    const stream = await conn.outboundStream();
    const out = new SerialWriter(stream);
    void readLoop(stream, feed);
    write = (data) => out.write(data);
    close = () => {
      conn.abort();
      client.abort();
    };
  } else {
    const secure = { cert: identity.certPem, key: identity.keyPem, minVersion: 'TLSv1.3' as const };
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const c = tls.connect({ ...secure, host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        if (c.getPeerX509Certificate()?.fingerprint256 !== identity.fingerprint)
          reject(new Error('pin mismatch'));
        else resolve(c);
      });
      c.once('error', reject);
    });
    socket.setNoDelay(true);
    socket.on('data', feed);
    write = (data) => socket.write(data);
    close = () => socket.destroy();
  }
  let out: Buffer[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const o = out;
    out = [];
    write(o.length === 1 ? o[0]! : Buffer.concat(o));
  };
  return {
    send(frame) {
      out.push(frame);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    close,
  };
}
