import { encodeFrame, FrameDecoder } from '../../cluster/frame-codec.js';
import type { Identity } from '../../cluster/identity.js';
import { type Frame, FrameType, PROTOCOL_VERSION } from '../../cluster/protocol.js';
import type { Connection, Transport } from '../../cluster/transport.js';
import { createTlsTransport } from '../../cluster/transport-tls.js';
import { eventually } from '../helpers/eventually.js';

/** A hand-driven peer speaking raw frames, for protocol and robustness tests. */
export class RawPeer {
  readonly frames: Frame[] = [];
  closed = false;
  decodeError: unknown;
  private constructor(
    readonly transport: Transport,
    readonly conn: Connection,
  ) {
    const dec = new FrameDecoder();
    conn.main.onData((chunk) => {
      try {
        dec.pushTo(chunk, this.frames);
      } catch (err) {
        this.decodeError = err;
      }
    });
    conn.onClose(() => {
      this.closed = true;
    });
  }

  static async dial(identity: Identity, port: number): Promise<RawPeer> {
    const transport = createTlsTransport(identity);
    return new RawPeer(transport, await transport.dial('127.0.0.1', port));
  }

  send(frame: Frame): void {
    this.conn.main.write(encodeFrame(frame));
  }

  write(bytes: Uint8Array): void {
    this.conn.main.write(bytes);
  }

  hello(name: string, incarnation = 1): void {
    this.send([FrameType.Hello, PROTOCOL_VERSION, name, incarnation, '127.0.0.1', 1, []]);
  }

  /** Say hello as `name` and wait for the welcome. */
  async join(name: string, incarnation = 1): Promise<void> {
    this.hello(name, incarnation);
    await eventually(() => this.frames.some((f) => f[0] === FrameType.Welcome));
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
