/**
 * A cluster node: wraps any {@link LocalNode} (a `Runtime` today) and links it to peer nodes
 * over an authenticated transport. docs/cluster.md is the guide; docs/protocol.md the wire.
 *
 * @example
 * const runtime = new Runtime();
 * const identity = await Identity.generate();
 * const alpha = await ClusterNode.start({ name: 'alpha', runtime, identity, host: '127.0.0.1', port: 0 });
 * const beta = await ClusterNode.start({ name: 'beta', runtime: new Runtime(), identity,
 *                                        host: '127.0.0.1', port: 0, seeds: [`127.0.0.1:${alpha.port}`] });
 * alpha.registerGlobal('greeter', runtime.spawn({ receive: (m) => console.log(m) }));
 * await beta.sendGlobal('greeter', new TextEncoder().encode('hi'));
 * await beta.close(); await alpha.close();
 */
import { ClosedError, InvalidArgumentError, serializeError } from '../runtime/errors.js';
import { consoleLogger, type Logger } from '../runtime/logger.js';
import { assertPid, isPid } from '../runtime/pid.js';
import type { LocalNode, MonitorRef, Pid, ProcessInfo } from '../runtime/types.js';
import {
  HandshakeError,
  ProtocolError,
  UnknownFactoryError,
  UnknownNameError,
  UnknownNodeError,
} from './errors.js';
import {
  type FailureDetectorOptions,
  type ResolvedDetectorOptions,
  resolveDetectorOptions,
} from './failure-detector.js';
import { GlobalRegistry } from './global-registry.js';
import { assertNodeName, type Identity } from './identity.js';
import { PeerLink } from './peer-link.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  type Frame,
  FrameType,
  type HelloFrame,
  type PeerAddress,
  PROTOCOL_VERSION,
  RpcMethod,
  type WelcomeFrame,
} from './protocol.js';
import { RemoteNode } from './remote-node.js';
import type { Connection, Listener, Transport } from './transport.js';
import { createTlsTransport } from './transport-tls.js';

/** Builds a process on the target of `spawnRemote` from the caller's argument bytes. */
export type SpawnableFactory = (runtime: LocalNode, args: Uint8Array) => Pid;

export interface ClusterNodeOptions {
  /** This node's name, unique in the cluster; with a CA identity it must equal the certificate's CN. */
  readonly name: string;
  readonly runtime: LocalNode;
  readonly identity: Identity;
  /** Address to listen on (default '127.0.0.1'). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (see {@link ClusterNode.port}). Default 0. */
  readonly port?: number;
  /** Host other nodes should dial (default: `host`, or 127.0.0.1 for a wildcard host). */
  readonly advertiseHost?: string;
  /** Nodes to join through, as 'host:port' or { host, port }; reconnected with backoff when lost. */
  readonly seeds?: readonly (string | { readonly host: string; readonly port: number })[];
  /** 'tls' (default) or 'quic', or a Transport instance. */
  readonly transport?: 'tls' | 'quic' | Transport;
  readonly failureDetector?: FailureDetectorOptions;
  /** Default RPC timeout in ms (default 5000). */
  readonly rpcTimeout?: number;
  /** Bound on dialing + handshake in ms (default 5000). */
  readonly handshakeTimeout?: number;
  /** Per-frame cap in bytes (default 8 MiB). */
  readonly maxFrameBytes?: number;
  /** Message lanes per link on multiplexing transports (default 4). */
  readonly lanes?: number;
  /** Reconnect backoff to seeds: first delay and cap, ms (default 100 / 5000). */
  readonly reconnect?: { readonly initialDelay?: number; readonly maxDelay?: number };
  readonly logger?: Logger;
}

export interface NodeUpEvent {
  readonly node: string;
}
export interface NodeDownEvent {
  readonly node: string;
  readonly reason: string;
}
export interface ClusterEvents {
  nodeup: NodeUpEvent;
  nodedown: NodeDownEvent;
}

/** What a process watching a remote process receives (a `DownMessage` plus the node). */
export interface RemoteDownMessage {
  readonly type: 'down';
  readonly ref: MonitorRef;
  readonly pid: Pid;
  readonly node: string;
  readonly reason: string;
}

/** What the process that lost a global-name conflict receives. */
export interface GlobalNameLostMessage {
  readonly type: 'global_name_lost';
  readonly name: string;
  /** The node whose claim won. */
  readonly winner: string;
}

/** Counters since start. */
export interface ClusterMetrics {
  readonly peers: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Messages that arrived for a name or pid that does not exist here (or a full mailbox). */
  readonly messagesDropped: number;
  /** Links closed because a peer sent malformed frames or broke the protocol. */
  readonly linksRefused: number;
}

interface Seed {
  readonly host: string;
  readonly port: number;
  node: string | undefined;
  delay: number;
  timer: NodeJS.Timeout | undefined;
}

type AgentWatch = { kind: 'global'; name: string } | { kind: 'remote'; node: string; ref: number };

// Cluster monitor refs live far above the runtime's so the two never collide in a mailbox.
const REF_BASE = 2 ** 40;

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

function parseSeed(seed: unknown, i: number): { host: string; port: number } {
  if (typeof seed === 'string') {
    const at = seed.lastIndexOf(':');
    const port = Number(seed.slice(at + 1));
    if (at > 0 && Number.isInteger(port) && port > 0 && port < 65536) {
      return { host: seed.slice(0, at).replace(/^\[|\]$/g, ''), port };
    }
  } else if (seed && typeof seed === 'object') {
    const s = seed as { host?: unknown; port?: unknown };
    if (typeof s.host === 'string' && Number.isInteger(s.port) && (s.port as number) > 0) {
      return { host: s.host, port: s.port as number };
    }
  }
  throw new InvalidArgumentError(
    `options.seeds[${i}] must be 'host:port' or { host, port }, got ${JSON.stringify(seed)}`,
  );
}

function positive(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive number, got ${String(value)}`);
  }
  return v;
}

export class ClusterNode {
  readonly name: string;
  readonly runtime: LocalNode;
  readonly identity: Identity;
  /** Random per start: tells a restarted node from a second connection of the same run. */
  readonly incarnation = Math.floor(Math.random() * 2 ** 48);
  readonly transport: Transport;

  readonly #logger: Logger;
  readonly #host: string;
  readonly #advertiseHost: string;
  #listener: Listener | undefined;
  readonly #detector: ResolvedDetectorOptions;
  readonly #rpcTimeout: number;
  readonly #handshakeTimeout: number;
  readonly #maxFrameBytes: number;
  readonly #lanes: number;
  readonly #reconnect: { initialDelay: number; maxDelay: number };
  readonly #seeds: Seed[];

  readonly #links = new Map<string, PeerLink>();
  readonly #handshaking = new Set<PeerLink>();
  readonly #dialing = new Set<string>();
  readonly #registry: GlobalRegistry;
  readonly #globalMonitors = new Map<string, MonitorRef>();
  readonly #spawnables = new Map<string, SpawnableFactory>();
  readonly #listeners: { [K in keyof ClusterEvents]: Set<(e: ClusterEvents[K]) => void> } = {
    nodeup: new Set(),
    nodedown: new Set(),
  };
  #agent: Pid = 0;
  readonly #agentWatches = new Map<MonitorRef, AgentWatch>();
  /** Monitors our processes hold on remote processes: ref → watcher. */
  readonly #outMonitors = new Map<number, { watcher: Pid; node: string; pid: Pid }>();
  /** Monitors peers hold on our processes: `${node}\0${ref}` → our runtime monitor ref. */
  readonly #inMonitors = new Map<string, MonitorRef>();
  #nextRef = REF_BASE;
  #closing: Promise<void> | undefined;
  #counters = {
    messagesIn: 0,
    messagesOut: 0,
    messagesDropped: 0,
    linksRefused: 0,
    framesIn: 0,
    framesOut: 0,
  };

  private constructor(options: ClusterNodeOptions, transport: Transport) {
    this.name = options.name;
    this.runtime = options.runtime;
    this.identity = options.identity;
    this.transport = transport;
    this.#logger = options.logger ?? consoleLogger;
    this.#host = options.host ?? '127.0.0.1';
    this.#advertiseHost =
      options.advertiseHost ?? (this.#host === '0.0.0.0' || this.#host === '::' ? '127.0.0.1' : this.#host);
    this.#detector = resolveDetectorOptions(options.failureDetector);
    this.#rpcTimeout = positive(options.rpcTimeout, 5000, 'options.rpcTimeout');
    this.#handshakeTimeout = positive(options.handshakeTimeout, 5000, 'options.handshakeTimeout');
    this.#maxFrameBytes = positive(options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 'options.maxFrameBytes');
    this.#lanes = positive(options.lanes, 4, 'options.lanes');
    this.#reconnect = {
      initialDelay: positive(options.reconnect?.initialDelay, 100, 'options.reconnect.initialDelay'),
      maxDelay: positive(options.reconnect?.maxDelay, 5000, 'options.reconnect.maxDelay'),
    };
    this.#seeds = (options.seeds ?? []).map((s, i) => ({
      ...parseSeed(s, i),
      node: undefined,
      delay: this.#reconnect.initialDelay,
      timer: undefined,
    }));
    this.#registry = new GlobalRegistry(this.name);
  }

  /** Validate options, listen, join the seeds (first attempt awaited; retries continue in the background). */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    if (options === null || typeof options !== 'object')
      throw new InvalidArgumentError('options must be an object');
    assertNodeName(options.name, 'options.name');
    if (options.runtime === null || typeof options.runtime?.spawn !== 'function') {
      throw new InvalidArgumentError('options.runtime must be a LocalNode (e.g. a Runtime)');
    }
    if (options.identity === null || typeof options.identity?.verifyPeer !== 'function') {
      throw new InvalidArgumentError('options.identity must be an Identity');
    }
    if (options.identity.mode === 'ca' && options.identity.name !== options.name) {
      throw new InvalidArgumentError(
        `options.name ${JSON.stringify(options.name)} must equal the CA-issued certificate's name ${JSON.stringify(options.identity.name)}`,
      );
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidArgumentError(
        `options.port must be an integer in 0..65535, got ${String(options.port)}`,
      );
    }
    let transport: Transport;
    const logger = options.logger ?? consoleLogger;
    const onReject = (reason: string): void => logger.warn(`cluster ${options.name}: ${reason}`);
    const kind = options.transport ?? 'tls';
    if (kind === 'tls') transport = createTlsTransport(options.identity, { onReject });
    else if (kind === 'quic') {
      const { createQuicTransport } = await import('./transport-quic.js');
      transport = createQuicTransport(options.identity, { onReject });
    } else if (typeof kind === 'object' && typeof kind.dial === 'function') transport = kind;
    else
      throw new InvalidArgumentError(
        `options.transport must be 'tls', 'quic' or a Transport, got ${String(kind)}`,
      );
    const node = new ClusterNode(options, transport);
    await node.#start(port);
    return node;
  }

  async #start(port: number): Promise<void> {
    this.#agent = this.runtime.spawn(
      { receive: (msg: unknown) => this.#onAgentMessage(msg) },
      { label: `cluster-agent:${this.name}` },
    );
    this.#listener = await this.transport.listen(this.#host, port, (conn) => this.#onInbound(conn));
    await Promise.allSettled(this.#seeds.map((s) => this.#trySeed(s)));
  }

  /** The bound port. */
  get port(): number {
    return this.#listener?.port ?? 0;
  }

  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /** Names of the nodes with a link up. */
  peers(): string[] {
    return [...this.#links.keys()];
  }

  /** Subscribe to `nodeup` / `nodedown`; returns the unsubscribe function. */
  on<K extends keyof ClusterEvents>(event: K, listener: (e: ClusterEvents[K]) => void): () => void {
    const set = this.#listeners[event] as Set<(e: ClusterEvents[K]) => void> | undefined;
    if (set === undefined)
      throw new InvalidArgumentError(`event must be 'nodeup' or 'nodedown', got ${String(event)}`);
    set.add(listener);
    return () => set.delete(listener);
  }

  #emit<K extends keyof ClusterEvents>(event: K, e: ClusterEvents[K]): void {
    for (const l of this.#listeners[event] as Set<(e: ClusterEvents[K]) => void>) {
      try {
        l(e);
      } catch (err) {
        this.#logger.error(`cluster ${this.name}: ${event} listener threw`, { error: err });
      }
    }
  }

  metrics(): ClusterMetrics {
    let framesIn = this.#counters.framesIn;
    let framesOut = this.#counters.framesOut;
    for (const l of this.#links.values()) {
      framesIn += l.framesIn;
      framesOut += l.framesOut;
    }
    return { ...this.#counters, framesIn, framesOut, peers: this.#links.size };
  }

  // ---------------------------------------------------------------- links and handshake

  #peerAddresses(except?: string): PeerAddress[] {
    const out: PeerAddress[] = [];
    for (const l of this.#links.values()) if (l.name !== except) out.push([l.name, l.host, l.port]);
    return out;
  }

  #onInbound(conn: Connection): void {
    if (this.#closing) {
      conn.destroy();
      return;
    }
    const link = new PeerLink(conn, {
      dialed: false,
      logger: this.#logger,
      maxFrameBytes: this.#maxFrameBytes,
    });
    this.#handshaking.add(link);
    const timer = setTimeout(
      () => link.destroy(`no hello within ${this.#handshakeTimeout} ms`),
      this.#handshakeTimeout,
    );
    timer.unref();
    link.onDown(() => {
      clearTimeout(timer);
      this.#handshaking.delete(link);
      if (!link.isUp && !link.retired) this.#counters.linksRefused++;
    });
    link.onFrame((f) => {
      if (f[0] !== FrameType.Hello) throw new ProtocolError(`expected a hello frame, got frame type ${f[0]}`);
      clearTimeout(timer);
      this.#handshaking.delete(link);
      this.#acceptHello(link, f);
    });
  }

  #refuse(link: PeerLink, reason: string): void {
    this.#logger.warn(`cluster ${this.name}: refused link from ${link.conn.remoteAddress}: ${reason}`);
    this.#counters.linksRefused++;
    link.send([FrameType.Reject, reason, this.name]);
    void link.close(`refused: ${reason}`);
  }

  #acceptHello(link: PeerLink, [, version, name, incarnation, host, port, peers]: HelloFrame): void {
    const refusal = this.#checkHello(version, name, incarnation, link);
    if (refusal !== undefined) {
      this.#refuse(link, refusal);
      return;
    }
    Object.assign(link, { name, incarnation, host, port });
    link.send([
      FrameType.Welcome,
      this.name,
      this.incarnation,
      this.#advertiseHost,
      this.port,
      this.#peerAddresses(name),
    ]);
    this.#linkUp(link, peers, false);
  }

  /** Why a hello must be refused, or undefined to accept it. */
  #checkHello(version: number, name: string, incarnation: number, link: PeerLink): string | undefined {
    if (version !== PROTOCOL_VERSION) return `protocol version ${version} is not ${PROTOCOL_VERSION}`;
    const certName = link.conn.remote.name;
    if (certName !== undefined && certName !== name) {
      return `node name ${JSON.stringify(name)} does not match its certificate's ${JSON.stringify(certName)}`;
    }
    if (name === this.name) return `node name ${JSON.stringify(name)} is this node's own name`;
    const existing = this.#links.get(name);
    if (existing !== undefined) {
      if (existing.incarnation === incarnation) return `duplicate: already linked to ${name}`;
      // The peer restarted before we noticed its old incarnation die.
      existing.destroy(`node ${name} restarted (new incarnation)`);
    } else if (this.#dialing.has(name) && this.name < name) {
      // Crossing dials: the connection dialed by the node whose name sorts first is kept.
      return `duplicate: crossing dial, ${this.name} dials ${name}`;
    }
    return undefined;
  }

  /** Dial, handshake, and bring the link up; resolves the peer's name. */
  async #dial(host: string, port: number, expected?: string): Promise<string> {
    if (this.#closing) throw new ClosedError(`cluster node ${this.name} is closed`);
    const conn = await this.transport.dial(host, port, { timeout: this.#handshakeTimeout });
    if (this.#closing) {
      conn.destroy();
      throw new ClosedError(`cluster node ${this.name} is closed`);
    }
    const dialName = expected ?? conn.remote.name;
    if (dialName !== undefined) this.#dialing.add(dialName);
    const link = new PeerLink(conn, {
      dialed: true,
      logger: this.#logger,
      maxFrameBytes: this.#maxFrameBytes,
    });
    this.#handshaking.add(link);
    const held: Frame[] = [];
    try {
      const welcome = await new Promise<WelcomeFrame>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new HandshakeError(`node at ${host}:${port} sent no welcome within ${this.#handshakeTimeout} ms`),
          );
          link.destroy('handshake timeout');
        }, this.#handshakeTimeout);
        link.onDown((reason) => {
          clearTimeout(timer);
          reject(
            new HandshakeError(`node at ${host}:${port} closed the link during the handshake: ${reason}`),
          );
        });
        link.onFrame((f) => {
          clearTimeout(timer);
          if (f[0] === FrameType.Welcome) {
            // Frames behind the welcome in the same chunk (gossip) arrive before the await
            // below resumes: hold them for the link's dispatcher.
            link.onFrame((next) => held.push(next));
            resolve(f);
          } else if (f[0] === FrameType.Reject) {
            const err = new HandshakeError(`node ${f[2]} at ${host}:${port} refused the link: ${f[1]}`);
            (err as HandshakeError & { peer?: string; duplicate?: boolean }).peer = f[2];
            (err as HandshakeError & { duplicate?: boolean }).duplicate = f[1].startsWith('duplicate');
            reject(err);
            link.destroy(`refused: ${f[1]}`);
          } else throw new ProtocolError(`expected a welcome frame, got frame type ${f[0]}`);
        });
        link.send([
          FrameType.Hello,
          PROTOCOL_VERSION,
          this.name,
          this.incarnation,
          this.#advertiseHost,
          this.port,
          this.#peerAddresses(),
        ]);
      });
      const [, name, incarnation, peerHost, peerPort, peers] = welcome;
      const certName = conn.remote.name;
      if ((certName !== undefined && certName !== name) || name === this.name) {
        link.destroy(
          `peer announced name ${JSON.stringify(name)} but is ${JSON.stringify(certName ?? this.name)}`,
        );
        throw new HandshakeError(
          `node at ${host}:${port} announced name ${JSON.stringify(name)}, which its certificate does not carry`,
        );
      }
      Object.assign(link, { name, incarnation, host: peerHost, port: peerPort });
      const existing = this.#links.get(name);
      if (existing !== undefined && existing.incarnation === incarnation) {
        // Both sides accepted crossing dials; both keep the one dialed by the smaller name.
        if (this.name < name) {
          existing.retired = true;
          void existing.close('superseded by a crossing dial');
          this.#linkUp(link, peers, true, held);
        } else {
          link.retired = true;
          void link.close('duplicate');
        }
        return name;
      }
      if (existing !== undefined) existing.destroy(`node ${name} restarted (new incarnation)`);
      this.#linkUp(link, peers, false, held);
      return name;
    } finally {
      this.#handshaking.delete(link);
      if (dialName !== undefined) this.#dialing.delete(dialName);
    }
  }

  #linkUp(link: PeerLink, peers: PeerAddress[], silent: boolean, held: Frame[] = []): void {
    const name = link.name;
    this.#links.set(name, link);
    link.start(this.#detector, this.#lanes);
    link.onFrame((f) => this.#dispatch(link, f));
    try {
      for (const f of held) this.#dispatch(link, f);
    } catch (err) {
      link.destroy((err as Error).message);
      return;
    }
    link.onDown((reason) => this.#linkDown(link, reason));
    link.send([FrameType.RegSync, this.#registry.owned()]);
    for (const other of this.#links.values()) {
      if (other !== link) other.send([FrameType.PeerUp, name, link.host, link.port]);
    }
    for (const s of this.#seeds) if (s.host === link.host && s.port === link.port) s.node = name;
    for (const [peer, host, port] of peers) this.#meshDial(peer, host, port);
    if (!silent) {
      this.#logger.info(`cluster ${this.name}: nodeup ${name}`);
      this.#emit('nodeup', { node: name });
    }
  }

  /** Full mesh without crossing dials: of two nodes that learn of each other, the one whose name sorts first dials. */
  #meshDial(peer: string, host: string, port: number): void {
    if (this.#closing || peer === this.name || this.name > peer) return;
    if (this.#links.has(peer) || this.#dialing.has(peer)) return;
    this.#dial(host, port, peer).catch((err: Error) =>
      this.#logger.warn(
        `cluster ${this.name}: could not reach peer ${peer} at ${host}:${port}: ${err.message}`,
      ),
    );
  }

  #linkDown(link: PeerLink, reason: string): void {
    if (this.#links.get(link.name) !== link) return; // retired or replaced: not this node's view
    const node = link.name;
    this.#links.delete(node);
    this.#counters.framesIn += link.framesIn;
    this.#counters.framesOut += link.framesOut;
    this.#registry.prune(node);
    for (const [ref, m] of this.#outMonitors) {
      if (m.node !== node) continue;
      this.#outMonitors.delete(ref);
      this.runtime.notify(m.watcher, { type: 'down', ref, pid: m.pid, node, reason: 'noconnection' });
    }
    const prefix = `${node}\0`;
    for (const [key, mref] of this.#inMonitors) {
      if (!key.startsWith(prefix)) continue;
      this.#inMonitors.delete(key);
      this.#agentWatches.delete(mref);
      this.runtime.demonitor(mref);
    }
    this.#logger.info(`cluster ${this.name}: nodedown ${node}: ${reason}`);
    this.#emit('nodedown', { node, reason });
    for (const s of this.#seeds) {
      if (s.node === node && !this.#closing) this.#scheduleSeed(s, this.#reconnect.initialDelay);
    }
  }

  async #trySeed(s: Seed): Promise<void> {
    s.timer = undefined;
    if (this.#closing || (s.node !== undefined && this.#links.has(s.node))) return;
    try {
      s.node = await this.#dial(s.host, s.port);
      s.delay = this.#reconnect.initialDelay;
    } catch (err) {
      const e = err as { duplicate?: boolean; peer?: string; message?: string };
      if (e.duplicate && e.peer !== undefined) {
        s.node = e.peer;
        return;
      }
      this.#logger.debug(`cluster ${this.name}: seed ${s.host}:${s.port} unreachable: ${e.message}`);
      this.#scheduleSeed(s, s.delay);
      s.delay = Math.min(s.delay * 2, this.#reconnect.maxDelay);
    }
  }

  #scheduleSeed(s: Seed, delay: number): void {
    if (this.#closing || s.timer !== undefined) return;
    s.timer = setTimeout(() => void this.#trySeed(s), delay);
    s.timer.unref();
  }

  /**
   * Link to the node listening at host:port (idempotent: an existing link is returned).
   *
   * @example
   * const beta = await alpha.connect('127.0.0.1', 4370); beta.name // 'beta'
   */
  async connect(host: string, port: number): Promise<RemoteNode> {
    if (typeof host !== 'string' || host.length === 0)
      throw new InvalidArgumentError('connect: host must be a non-empty string');
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new InvalidArgumentError(`connect: port must be an integer in 1..65535, got ${String(port)}`);
    }
    for (const l of this.#links.values())
      if (l.host === host && l.port === port) return new RemoteNode(this, l.name);
    try {
      return new RemoteNode(this, await this.#dial(host, port));
    } catch (err) {
      const e = err as { duplicate?: boolean; peer?: string };
      // Refused as a duplicate: the link the other side kept is (or is about to be) up.
      if (e.duplicate && e.peer !== undefined) {
        const peer = e.peer;
        const deadline = Date.now() + this.#handshakeTimeout;
        while (!this.#links.has(peer) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        if (this.#links.has(peer)) return new RemoteNode(this, peer);
      }
      throw err;
    }
  }

  /** A handle on a linked node (throws {@link UnknownNodeError} if there is no link). */
  remote(node: string): RemoteNode {
    this.#link(node);
    return new RemoteNode(this, node);
  }

  #link(node: string): PeerLink {
    const link = this.#links.get(node);
    if (link === undefined) {
      if (typeof node !== 'string')
        throw new InvalidArgumentError(`node must be a node name, got ${typeof node}`);
      throw new UnknownNodeError(node);
    }
    return link;
  }

  // ---------------------------------------------------------------- frames from peers

  #dispatch(link: PeerLink, f: Frame): void {
    switch (f[0]) {
      case FrameType.SendPid:
        this.#counters.messagesIn++;
        if (!this.runtime.send(f[1], f[2])) this.#drop(link, `pid ${f[1]}`);
        return;
      case FrameType.SendName:
        this.#counters.messagesIn++;
        if (!this.runtime.sendNamed(f[1], f[2])) this.#drop(link, `name ${JSON.stringify(f[1])}`);
        return;
      case FrameType.Heartbeat:
        link.heartbeat();
        return;
      case FrameType.Request:
        this.#serve(link, f[1], f[2], f[3]);
        return;
      case FrameType.Reply:
        link.reply(f[1], f[2], f[3]);
        return;
      case FrameType.RegAdd:
        this.#applyClaim(f[1], link.name, f[2]);
        return;
      case FrameType.RegDel:
        this.#registry.release(f[1], link.name, f[2]);
        return;
      case FrameType.RegSync:
        for (const [name, pid] of f[1]) this.#applyClaim(name, link.name, pid);
        return;
      case FrameType.PeerUp:
        this.#meshDial(f[1], f[2], f[3]);
        return;
      case FrameType.Monitor:
        this.#monitorIn(link, f[1], f[2]);
        return;
      case FrameType.Demonitor: {
        const key = `${link.name}\0${f[1]}`;
        const mref = this.#inMonitors.get(key);
        if (mref !== undefined) {
          this.#inMonitors.delete(key);
          this.#agentWatches.delete(mref);
          this.runtime.demonitor(mref);
        }
        return;
      }
      case FrameType.Down: {
        const m = this.#outMonitors.get(f[1]);
        if (m === undefined || m.node !== link.name) return;
        this.#outMonitors.delete(f[1]);
        this.runtime.notify(m.watcher, { type: 'down', ref: f[1], pid: f[2], node: link.name, reason: f[3] });
        return;
      }
      case FrameType.Bye:
        link.saidBye = true;
        return;
      default:
        throw new ProtocolError(`unexpected frame type ${f[0]} after the handshake`);
    }
  }

  #drop(link: PeerLink, what: string): void {
    this.#counters.messagesDropped++;
    this.#logger.debug(`cluster ${this.name}: dropped a message from ${link.name} for unknown ${what}`);
  }

  #serve(link: PeerLink, id: number, method: string, args: unknown): void {
    // Run off the frame path: a slow operation must not hold up gossip or heartbeats.
    Promise.resolve()
      .then(() => this.#handle(method, args))
      .then(
        (value) => link.send([FrameType.Reply, id, true, value ?? null]),
        (err) => link.send([FrameType.Reply, id, false, serializeError(err)]),
      );
  }

  async #handle(method: string, args: unknown): Promise<unknown> {
    switch (method) {
      case RpcMethod.Spawn: {
        const [factory, bytes] = Array.isArray(args) ? args : [];
        if (typeof factory !== 'string' || !isBytes(bytes))
          throw new ProtocolError('spawn needs [factory, args bytes]');
        const fn = this.#spawnables.get(factory);
        if (fn === undefined) throw new UnknownFactoryError(factory, this.name);
        const pid = fn(this.runtime, bytes);
        assertPid(pid, `spawnable ${JSON.stringify(factory)} result`);
        return pid;
      }
      case RpcMethod.Pids:
        return await this.runtime.list();
      case RpcMethod.Info: {
        assertPid(args, 'info: pid');
        return (await this.runtime.info(args)) ?? null;
      }
      case RpcMethod.Ping:
        return 'pong';
      default:
        throw new ProtocolError(`unknown rpc method ${JSON.stringify(method)}`);
    }
  }

  // ---------------------------------------------------------------- sending

  /** Send `bytes` to the process registered as `name` on node `node`. */
  async send(node: string, name: string, bytes: Uint8Array): Promise<void> {
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidArgumentError('send: name must be a non-empty string');
    if (!isBytes(bytes)) throw new InvalidArgumentError('send: bytes must be a Uint8Array');
    if (node === this.name) {
      if (!this.runtime.sendNamed(name, bytes)) throw new UnknownNameError(name);
      return;
    }
    this.#link(node).sendData([FrameType.SendName, name, bytes], name);
    this.#counters.messagesOut++;
  }

  /** Send `bytes` to process `pid` on node `node`. */
  async sendTo(target: { node: string; pid: Pid }, bytes: Uint8Array): Promise<void> {
    assertPid(target?.pid, 'sendTo: target.pid');
    if (!isBytes(bytes)) throw new InvalidArgumentError('sendTo: bytes must be a Uint8Array');
    if (target.node === this.name) {
      this.runtime.send(target.pid, bytes);
      return;
    }
    this.#link(target.node).sendData([FrameType.SendPid, target.pid, bytes], target.pid);
    this.#counters.messagesOut++;
  }

  // ---------------------------------------------------------------- global registry

  /** Register `pid` (a local process) under a cluster-wide name; false if the name is taken or the pid dead. */
  registerGlobal(name: string, pid: Pid): boolean {
    if (typeof name !== 'string' || name.length === 0 || name.length > 1024) {
      throw new InvalidArgumentError('registerGlobal: name must be a string of 1..1024 characters');
    }
    assertPid(pid, 'registerGlobal: pid');
    if (this.#closing || this.#registry.get(name) !== undefined || !this.runtime.isAlive(pid)) return false;
    this.#registry.claim(name, this.name, pid);
    this.#globalMonitors.set(name, this.#watch(pid, { kind: 'global', name }));
    for (const l of this.#links.values()) l.send([FrameType.RegAdd, name, pid]);
    return true;
  }

  /** Withdraw a global name this node owns; false if it does not own it. */
  unregisterGlobal(name: string): boolean {
    const entry = this.#registry.release(name, this.name);
    if (entry === undefined) return false;
    this.#unwatchGlobal(name);
    for (const l of this.#links.values()) l.send([FrameType.RegDel, name, entry.pid]);
    return true;
  }

  /** The name of the node owning global name `name`, or undefined. */
  whereisGlobal(name: string): string | undefined {
    return this.#registry.get(name)?.node;
  }

  /** The owner of `name` as { node, pid }, or undefined. */
  lookupGlobal(name: string): { node: string; pid: Pid } | undefined {
    const e = this.#registry.get(name);
    return e === undefined ? undefined : { node: e.node, pid: e.pid };
  }

  /** Every global name this node knows, with its owner. */
  globalNames(): { name: string; node: string; pid: Pid }[] {
    return [...this.#registry.entries()].map(([name, e]) => ({ name, node: e.node, pid: e.pid }));
  }

  /** Send to the process registered globally as `name`, wherever it lives (locally without a hop). */
  async sendGlobal(name: string, bytes: Uint8Array): Promise<void> {
    if (!isBytes(bytes)) throw new InvalidArgumentError('sendGlobal: bytes must be a Uint8Array');
    const e = this.#registry.get(name);
    if (e === undefined) throw new UnknownNameError(name);
    if (e.node === this.name) {
      if (!this.runtime.send(e.pid, bytes)) this.#counters.messagesDropped++;
      return;
    }
    this.#link(e.node).sendData([FrameType.SendPid, e.pid, bytes], e.pid);
    this.#counters.messagesOut++;
  }

  #applyClaim(name: string, node: string, pid: Pid): void {
    const res = this.#registry.claim(name, node, pid);
    const lost = res.displaced;
    if (lost === undefined || lost.node !== this.name) return;
    // We lost a conflict: every node applies the same rule, so no frame is needed; tell our process.
    this.#unwatchGlobal(name);
    this.#logger.warn(`cluster ${this.name}: global name ${JSON.stringify(name)} lost to node ${node}`);
    this.runtime.notify(lost.pid, {
      type: 'global_name_lost',
      name,
      winner: node,
    } satisfies GlobalNameLostMessage);
  }

  #watch(pid: Pid, w: AgentWatch): MonitorRef {
    const ref = this.runtime.monitor(this.#agent, pid);
    this.#agentWatches.set(ref, w);
    return ref;
  }

  #unwatchGlobal(name: string): void {
    const ref = this.#globalMonitors.get(name);
    if (ref === undefined) return;
    this.#globalMonitors.delete(name);
    this.#agentWatches.delete(ref);
    this.runtime.demonitor(ref);
  }

  /** The agent process receives the runtime's down messages for everything the cluster watches. */
  #onAgentMessage(msg: unknown): void {
    const m = msg as { type?: unknown; ref?: unknown; pid?: unknown; reason?: unknown };
    if (m?.type !== 'down' || typeof m.ref !== 'number') return;
    const w = this.#agentWatches.get(m.ref);
    if (w === undefined) return;
    this.#agentWatches.delete(m.ref);
    if (w.kind === 'global') {
      this.#globalMonitors.delete(w.name);
      const entry = this.#registry.release(w.name, this.name, m.pid as number);
      if (entry) for (const l of this.#links.values()) l.send([FrameType.RegDel, w.name, entry.pid]);
    } else {
      this.#inMonitors.delete(`${w.node}\0${w.ref}`);
      this.#links.get(w.node)?.send([FrameType.Down, w.ref, m.pid as number, String(m.reason)]);
    }
  }

  // ---------------------------------------------------------------- monitors

  /**
   * `watcher` (a local process) receives a {@link RemoteDownMessage} when process `target.pid`
   * on `target.node` ends, or with reason `noconnection` when the link to that node drops
   * (at once if there is none). Returns a ref for {@link demonitorRemote}.
   */
  monitorRemote(watcher: Pid, target: { node: string; pid: Pid }): MonitorRef {
    assertPid(watcher, 'monitorRemote: watcher');
    assertPid(target?.pid, 'monitorRemote: target.pid');
    const ref = this.#nextRef++;
    const link = this.#links.get(target.node);
    if (link === undefined) {
      this.runtime.notify(watcher, {
        type: 'down',
        ref,
        pid: target.pid,
        node: target.node,
        reason: 'noconnection',
      });
      return ref;
    }
    this.#outMonitors.set(ref, { watcher, node: target.node, pid: target.pid });
    link.send([FrameType.Monitor, ref, target.pid]);
    return ref;
  }

  demonitorRemote(ref: MonitorRef): boolean {
    const m = this.#outMonitors.get(ref);
    if (m === undefined) return false;
    this.#outMonitors.delete(ref);
    this.#links.get(m.node)?.send([FrameType.Demonitor, ref]);
    return true;
  }

  #monitorIn(link: PeerLink, ref: number, pid: Pid): void {
    const key = `${link.name}\0${ref}`;
    if (this.#inMonitors.has(key)) throw new ProtocolError(`monitor ref ${ref} reused`);
    if (!isPid(pid)) {
      link.send([FrameType.Down, ref, pid, 'noproc']);
      return;
    }
    // An immediate noproc down is queued to the agent's mailbox, so setting the watch after
    // monitor() returns is still in time.
    const mref = this.runtime.monitor(this.#agent, pid);
    this.#inMonitors.set(key, mref);
    this.#agentWatches.set(mref, { kind: 'remote', node: link.name, ref });
  }

  // ---------------------------------------------------------------- remote spawn and live attach

  /** Allow peers to `spawnRemote(thisNode, name, args)`. Replaces an earlier factory of that name. */
  registerSpawnable(name: string, factory: SpawnableFactory): void {
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidArgumentError('registerSpawnable: name must be a non-empty string');
    if (typeof factory !== 'function')
      throw new InvalidArgumentError('registerSpawnable: factory must be a function');
    this.#spawnables.set(name, factory);
  }

  unregisterSpawnable(name: string): boolean {
    return this.#spawnables.delete(name);
  }

  /** Run factory `factory` on node `node` with `args`; resolves the new process's pid there. */
  async spawnRemote(node: string, factory: string, args: Uint8Array = new Uint8Array(0)): Promise<Pid> {
    if (typeof factory !== 'string' || factory.length === 0)
      throw new InvalidArgumentError('spawnRemote: factory must be a non-empty string');
    if (!isBytes(args)) throw new InvalidArgumentError('spawnRemote: args must be a Uint8Array');
    return (await this.#link(node).request(RpcMethod.Spawn, [factory, args], this.#rpcTimeout)) as Pid;
  }

  /** The pids alive on `node` (live attach). */
  async remotePids(node: string, options: { timeout?: number } = {}): Promise<Pid[]> {
    return (await this.#link(node).request(
      RpcMethod.Pids,
      null,
      options.timeout ?? this.#rpcTimeout,
    )) as Pid[];
  }

  /** A snapshot of process `pid` on `node`, or undefined if it is not alive there. */
  async remoteInfo(
    node: string,
    pid: Pid,
    options: { timeout?: number } = {},
  ): Promise<ProcessInfo | undefined> {
    assertPid(pid, 'remoteInfo: pid');
    const info = await this.#link(node).request(RpcMethod.Info, pid, options.timeout ?? this.#rpcTimeout);
    return (info ?? undefined) as ProcessInfo | undefined;
  }

  /** A round trip on the control channel (resolves 'pong'). */
  async ping(node: string, options: { timeout?: number } = {}): Promise<string> {
    return (await this.#link(node).request(
      RpcMethod.Ping,
      null,
      options.timeout ?? this.#rpcTimeout,
    )) as string;
  }

  // ---------------------------------------------------------------- lifetime

  /** Say goodbye to every peer, stop listening, free the transport. Idempotent; one shared promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const s of this.#seeds) if (s.timer) clearTimeout(s.timer);
      for (const l of this.#handshaking) l.destroy('node closing');
      await Promise.all([...this.#links.values()].map((l) => l.close('node closing')));
      await this.#listener?.close();
      await this.transport.close();
      if (this.#agent !== 0) this.runtime.kill(this.#agent);
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
