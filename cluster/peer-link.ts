/**
 * One authenticated connection to one peer node: framing in both directions, the control
 * channel (on the connection's main stream), message lanes, request/reply RPC, heartbeats and
 * the failure detector. The node above it decides what frames mean; the link only moves them
 * and reports when it is gone (once, with a reason).
 *
 * Lanes: on a transport that multiplexes (QUIC) each side opens `lanes` extra streams for the
 * messages it sends and picks one by hashing the destination, so one slow receiver cannot
 * block messages to others while all messages to one destination stay in order. Over TLS
 * (`maxStreams` 1) lanes collapse onto the main stream.
 *
 * @example
 * const link = new PeerLink(conn, { dialed: true, logger });
 * link.onFrame((f) => ...); link.send([FrameType.Hello, ...]);
 * const pids = await link.request('pids', null, 5000);
 */

import { deserializeError, type SerializedError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { FrameError, LinkDownError, ProtocolError, RpcTimeoutError } from './errors.js';
import { PhiAccrualDetector, type ResolvedDetectorOptions } from './failure-detector.js';
import { FrameDecoder } from './frame-codec.js';
import { FrameWriter } from './frame-writer.js';
import { DEFAULT_MAX_FRAME_BYTES, type Frame, FrameType } from './protocol.js';
import type { ByteStream, Connection } from './transport.js';

export interface PeerLinkOptions {
  readonly dialed: boolean;
  readonly logger: Logger;
  readonly maxFrameBytes?: number;
  /** Message lanes to open when the transport multiplexes (default 4). */
  readonly lanes?: number;
}

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** FNV-1a over a string: a stable lane choice for a registered name. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class PeerLink {
  /** The peer's node name, known once the handshake is done. */
  name = '';
  incarnation = 0;
  /** Where the peer listens (what the mesh and reconnects dial). */
  host = '';
  port = 0;
  /** True once the handshake completed. */
  isUp = false;
  /** The peer said goodbye (a graceful close: do not reconnect). */
  saidBye = false;
  /** Retired in favour of a second connection to the same peer: goes without nodedown. */
  retired = false;
  readonly dialed: boolean;
  readonly conn: Connection;
  framesIn = 0;

  readonly #logger: Logger;
  readonly #maxFrameBytes: number;
  readonly #main: FrameWriter;
  #lanes: FrameWriter[] = [];
  #onFrame: (frame: Frame) => void = () => {};
  #downHandlers: ((reason: string) => void)[] = [];
  #down: string | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #hbTimer: NodeJS.Timeout | undefined;
  #hbSeq = 0;
  #detector: PhiAccrualDetector | undefined;

  constructor(conn: Connection, options: PeerLinkOptions) {
    this.conn = conn;
    this.dialed = options.dialed;
    this.#logger = options.logger;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#main = new FrameWriter(conn.main, this.#maxFrameBytes);
    this.#read(conn.main);
    conn.onStream((s) => this.#read(s));
    conn.onClose((err) => this.#terminate(err ? `connection failed: ${err.message}` : 'connection closed'));
  }

  /** Why the link went down, or undefined while it is alive. */
  get downReason(): string | undefined {
    return this.#down;
  }

  get framesOut(): number {
    let n = this.#main.frames;
    for (const l of this.#lanes) n += l.frames;
    return n;
  }

  #read(stream: ByteStream): void {
    const decoder = new FrameDecoder(this.#maxFrameBytes);
    const frames: Frame[] = [];
    stream.onData((chunk) => {
      if (this.#down !== undefined) return;
      let failure: unknown;
      try {
        decoder.pushTo(chunk, frames);
      } catch (err) {
        failure = err;
      }
      // Frames decoded before a bad one are still delivered, in order.
      for (let i = 0; i < frames.length && this.#down === undefined; i++) {
        this.framesIn++;
        try {
          this.#onFrame(frames[i]!);
        } catch (err) {
          failure ??= err;
          break;
        }
      }
      frames.length = 0;
      if (failure !== undefined) {
        const what =
          failure instanceof FrameError || failure instanceof ProtocolError ? '' : 'handler error: ';
        this.destroy(`${what}${(failure as Error)?.message ?? failure}`);
      }
    });
  }

  /** Route decoded frames (all streams) to `handler`; throwing from it closes the link. */
  onFrame(handler: (frame: Frame) => void): void {
    this.#onFrame = handler;
  }

  /** Called once when the link is gone. */
  onDown(handler: (reason: string) => void): void {
    if (this.#down !== undefined) handler(this.#down);
    else this.#downHandlers.push(handler);
  }

  /** Queue a control frame (coalesced per event-loop turn). */
  send(frame: Frame): void {
    if (this.#down === undefined) this.#main.push(frame);
  }

  /**
   * Queue a message frame on the lane for `key` (a pid, or a name hashed). Returns a promise to
   * await when that lane is congested (backpressure), undefined otherwise.
   */
  sendData(frame: Frame, key: number | string): Promise<void> | undefined {
    if (this.#down !== undefined) return undefined;
    const lanes = this.#lanes;
    const w =
      lanes.length === 0
        ? this.#main
        : lanes[(typeof key === 'number' ? key : hashName(key)) % lanes.length]!;
    w.push(frame);
    return w.isCongested ? w.whenWritable() : undefined;
  }

  /** {@link sendData} for a SendPid frame (`pid` is also the lane key), without the frame array. */
  sendPid(pid: number, payload: Uint8Array): Promise<void> | undefined {
    if (this.#down !== undefined) return undefined;
    const lanes = this.#lanes;
    const w = lanes.length === 0 ? this.#main : lanes[pid % lanes.length]!;
    w.pushPid(pid, payload);
    return w.isCongested ? w.whenWritable() : undefined;
  }

  /** Called when the handshake is done: open lanes, start heartbeats. */
  start(detector: ResolvedDetectorOptions, lanes: number): void {
    this.isUp = true;
    const n = Math.min(lanes, this.conn.maxStreams - 1);
    for (let i = 0; i < n; i++) {
      // The writer exists at once so frames keep their order while the stream opens.
      const w = new FrameWriter(undefined, this.#maxFrameBytes);
      this.#lanes.push(w);
      this.conn.openStream().then(
        (s) => w.attach(s),
        (err: Error) => this.destroy(`could not open a message lane: ${err.message}`),
      );
    }
    const now = performance.now();
    this.#detector = new PhiAccrualDetector(detector, now);
    this.#hbTimer = setInterval(() => this.#beat(), detector.heartbeatInterval);
    this.#hbTimer.unref();
  }

  #beat(): void {
    this.send([FrameType.Heartbeat, this.#hbSeq++]);
    if (this.#detector!.isAvailable(performance.now())) return;
    // A late timer means our own loop was busy: heartbeats may sit unread in the socket. Judge
    // again after this turn's I/O poll has read them (setImmediate runs after the poll phase).
    setImmediate(() => {
      const now = performance.now();
      if (this.#down !== undefined || this.#detector!.isAvailable(now)) return;
      const d = this.#detector!;
      this.destroy(
        `no heartbeat for ${Math.round(d.silence(now))} ms (phi ${d.phi(now).toFixed(1)}): peer presumed dead`,
      );
    });
  }

  /** A heartbeat frame arrived. */
  heartbeat(): void {
    this.#detector?.heartbeat(performance.now());
  }

  /** Send an RPC; rejects on timeout or at once if the link goes down. */
  request(method: string, args: unknown, timeout: number): Promise<unknown> {
    if (this.#down !== undefined) return Promise.reject(new LinkDownError(this.name, this.#down));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RpcTimeoutError(method, this.name, timeout));
      }, timeout);
      this.#pending.set(id, { resolve, reject, timer });
      this.send([FrameType.Request, id, method, args]);
    });
  }

  /** A Reply frame arrived. Unknown ids (a reply after our timeout) are ignored. */
  reply(id: number, ok: boolean, value: unknown): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (ok) p.resolve(value);
    else {
      const wire = value as Partial<SerializedError> | undefined;
      p.reject(
        deserializeError({
          code: typeof wire?.code === 'string' ? wire.code : 'WACTOR_ERR_REMOTE',
          message: typeof wire?.message === 'string' ? wire.message : 'remote error',
        }),
      );
    }
  }

  #terminate(reason: string): void {
    if (this.#down !== undefined) return;
    this.#down = reason;
    this.isUp = false;
    if (this.#hbTimer) clearInterval(this.#hbTimer);
    this.#main.close();
    for (const l of this.#lanes) l.close();
    const err = new LinkDownError(this.name || this.conn.remoteAddress, reason);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
    for (const h of this.#downHandlers) h(reason);
    this.#downHandlers = [];
  }

  /** Close at once with a logged reason (malformed input, dead peer, protocol violation). */
  destroy(reason: string): void {
    if (this.#down !== undefined) return;
    this.#logger.warn(`cluster: closing link to ${this.name || this.conn.remoteAddress}: ${reason}`);
    this.#terminate(reason);
    this.conn.destroy();
  }

  /** Graceful: say goodbye, flush, close. */
  async close(reason: string): Promise<void> {
    if (this.#down !== undefined) return;
    this.#main.push([FrameType.Bye, reason]);
    this.#main.flush();
    for (const l of this.#lanes) l.flush();
    this.#terminate(reason);
    await this.conn.close();
  }
}
