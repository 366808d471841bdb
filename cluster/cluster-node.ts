/**
 * A cluster node: wraps any {@link LocalNode} (a `Runtime` today) and links it to peer nodes
 * over an authenticated transport. This file owns the public API and what arrives on the links
 * (dispatch); link bring-up — accept, dial, handshake, crossing dials, the mesh — is
 * link-manager.ts, and the handshake frames (link-handshake.ts), seeds (seed-dialer.ts), global
 * names, remote monitors and the RPC server live in their own files.
 * docs/cluster.md is the guide; docs/protocol.md the wire.
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
import { assertPid } from '../runtime/pid.js';
import type { LocalNode, MonitorRef, Pid, ProcessInfo } from '../runtime/types.js';
import { ClusterEventHub, type ClusterEvents } from './cluster-events.js';
import { DuplicateLinkError, ProtocolError, UnknownNameError, UnknownNodeError } from './errors.js';
import { GlobalNames } from './global-names.js';
import type { Identity } from './identity.js';
import { type LinkHooks, LinkManager } from './link-manager.js';
import type { LinkTable } from './link-table.js';
import { type ClusterNodeOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { PeerLink } from './peer-link.js';
import { ProcessWatcher } from './process-watcher.js';
import { type Frame, FrameType, RpcMethod } from './protocol.js';
import { RemoteMonitors } from './remote-monitors.js';
import { RemoteNode } from './remote-node.js';
import { RpcServer, type SpawnableFactory } from './rpc-server.js';
import { SeedDialer } from './seed-dialer.js';
import type { Listener, Transport } from './transport.js';
import { createTlsTransport } from './transport-tls.js';

export type { ClusterEvents, NodeDownEvent, NodeUpEvent } from './cluster-events.js';
export type { GlobalNameLostMessage } from './global-names.js';
export type { ClusterNodeOptions } from './options.js';
export type { RemoteDownMessage } from './remote-monitors.js';
export type { SpawnableFactory } from './rpc-server.js';

/** Counters since start. */
export interface ClusterMetrics {
  readonly peers: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Messages that arrived for a name or pid that does not exist here (or a full mailbox). */
  readonly messagesDropped: number;
  /** Links refused at the handshake or closed before it completed. */
  readonly linksRefused: number;
}

/** The settled promise the send paths return when nothing needs waiting for. */
const SENT: Promise<void> = Promise.resolve();

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

export class ClusterNode {
  readonly name: string;
  readonly runtime: LocalNode;
  readonly identity: Identity;
  /** Random per start: tells a restarted node from a second connection of the same run. */
  readonly incarnation = Math.floor(Math.random() * 2 ** 48);
  readonly transport: Transport;

  readonly #o: ResolvedOptions;
  #listener: Listener | undefined;
  readonly #seeds: SeedDialer;
  readonly #bringup: LinkManager;
  readonly #links: LinkTable;
  readonly #watcher: ProcessWatcher;
  readonly #names: GlobalNames;
  readonly #monitors: RemoteMonitors;
  readonly #rpc: RpcServer;
  readonly #events: ClusterEventHub;
  #closing: Promise<void> | undefined;
  #counters = {
    messagesIn: 0,
    messagesOut: 0,
    messagesDropped: 0,
    linksRefused: 0,
  };

  private constructor(o: ResolvedOptions, transport: Transport) {
    this.#o = o;
    this.name = o.name;
    this.runtime = o.runtime;
    this.identity = o.identity;
    this.transport = transport;
    this.#bringup = new LinkManager(this, o, transport, this.#hooks());
    this.#links = this.#bringup.table;
    this.#seeds = new SeedDialer(o.seeds, o.reconnect, {
      dial: (host, port) => this.#bringup.dial(host, port),
      isLinked: (node) => this.#links.has(node),
      log: (line) => o.logger.debug(`cluster ${o.name}: ${line}`),
    });
    this.#watcher = new ProcessWatcher(o.runtime, `cluster-agent:${o.name}`);
    this.#names = new GlobalNames({
      self: o.name,
      runtime: o.runtime,
      watcher: this.#watcher,
      broadcast: (frame) => this.#links.broadcast(frame),
      logger: o.logger,
    });
    this.#monitors = new RemoteMonitors(o.runtime, this.#watcher, (node) => this.#links.get(node));
    this.#rpc = new RpcServer(o.name, o.runtime);
    this.#events = new ClusterEventHub((event, err) =>
      o.logger.error(`cluster ${o.name}: ${event} listener threw`, { error: err }),
    );
  }

  /** Validate options, listen, join the seeds (first attempt awaited; retries continue in the background). */
  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const o = resolveOptions(options);
    const onReject = (reason: string): void => o.logger.warn(`cluster ${o.name}: ${reason}`);
    let transport: Transport;
    if (o.transport === 'tls') transport = createTlsTransport(o.identity, { onReject });
    else if (o.transport === 'quic') {
      // Loaded on demand: the native QUIC binding starts threads and is only paid for when used.
      const { createQuicTransport } = await import('./transport-quic.js');
      transport = createQuicTransport(o.identity, { onReject });
    } else transport = o.transport;
    const node = new ClusterNode(o, transport);
    try {
      node.#listener = await transport.listen(o.host, o.port, (conn) => node.#bringup.accept(conn));
    } catch (err) {
      node.#watcher.close();
      await transport.close();
      throw err;
    }
    await node.#seeds.joinAll();
    return node;
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
    return this.#links.names();
  }

  /** Subscribe to `nodeup` / `nodedown`; returns the unsubscribe function. */
  on<K extends keyof ClusterEvents>(event: K, listener: (e: ClusterEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  metrics(): ClusterMetrics {
    const links = this.#links;
    return { ...this.#counters, framesIn: links.framesIn, framesOut: links.framesOut, peers: links.size };
  }

  // ---------------------------------------------------------------- links (link-manager.ts)

  #hooks(): LinkHooks {
    return {
      frame: (link, f) => this.#dispatch(link, f),
      up: (link, silent) => {
        const name = link.name;
        link.send([FrameType.RegSync, this.#names.owned()]);
        this.#seeds.linkUp(link.host, link.port, name);
        if (silent) {
          this.#monitors.relink(name);
          return;
        }
        this.#o.logger.info(`cluster ${this.name}: nodeup ${name}`);
        this.#events.emit('nodeup', { node: name });
      },
      down: (link, reason) => {
        const node = link.name;
        this.#names.prune(node);
        this.#monitors.linkDown(node);
        this.#o.logger.info(`cluster ${this.name}: nodedown ${node}: ${reason}`);
        this.#events.emit('nodedown', { node, reason });
        if (!this.#closing) this.#seeds.linkDown(node);
      },
      refused: () => this.#counters.linksRefused++,
    };
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
      return new RemoteNode(this, await this.#bringup.dial(host, port));
    } catch (err) {
      // Refused as a duplicate: the link the other side kept is (or is about to be) up.
      if (err instanceof DuplicateLinkError) {
        const peer = err.peer;
        if (await this.#links.whenLinked(peer, this.#o.handshakeTimeout)) return new RemoteNode(this, peer);
        if (this.#closing) throw new ClosedError(`cluster node ${this.name} is closed`);
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
        this.#names.applyClaim(f[1], link.name, f[2]);
        return;
      case FrameType.RegDel:
        this.#names.release(f[1], link.name, f[2]);
        return;
      case FrameType.RegSync:
        for (const [name, pid] of f[1]) this.#names.applyClaim(name, link.name, pid);
        return;
      case FrameType.PeerUp:
        this.#bringup.meshDial(f[1], f[2], f[3]);
        return;
      case FrameType.Monitor:
        this.#monitors.monitorIn(link, f[1], f[2]);
        return;
      case FrameType.Demonitor:
        this.#monitors.demonitorIn(link, f[1]);
        return;
      case FrameType.Down:
        this.#monitors.down(link, f[1], f[2], f[3]);
        return;
      case FrameType.Bye:
        link.saidBye = true;
        return;
      default:
        throw new ProtocolError(`unexpected frame type ${f[0]} after the handshake`);
    }
  }

  #drop(link: PeerLink, what: string): void {
    this.#counters.messagesDropped++;
    this.#o.logger.debug(`cluster ${this.name}: dropped a message from ${link.name} for unknown ${what}`);
  }

  #serve(link: PeerLink, id: number, method: string, args: unknown): void {
    // Run off the frame path: a slow operation must not hold up gossip or heartbeats.
    Promise.resolve()
      .then(() => this.#rpc.handle(method, args))
      .then(
        (value) => link.send([FrameType.Reply, id, true, value ?? null]),
        (err) => link.send([FrameType.Reply, id, false, serializeError(err)]),
      );
  }

  // ---------------------------------------------------------------- sending

  /** Send `bytes` to the process registered as `name` on node `node`. */
  async send(node: string, name: string, bytes: Uint8Array): Promise<void> {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('send: name must be a non-empty string');
    }
    if (!isBytes(bytes)) throw new InvalidArgumentError('send: bytes must be a Uint8Array');
    if (node === this.name) {
      if (!this.runtime.sendNamed(name, bytes)) throw new UnknownNameError(name);
      return;
    }
    const wait = this.#link(node).sendData([FrameType.SendName, name, bytes], name);
    this.#counters.messagesOut++;
    if (wait) await wait;
  }

  /**
   * Send `bytes` to process `pid` on node `node`. Resolves at once unless the lane to that node
   * is congested (then once it drains); bad arguments reject. Not an `async` function: this is
   * every remote message's path, and an already-settled promise costs less than an async frame.
   */
  sendTo(target: { node: string; pid: Pid }, bytes: Uint8Array): Promise<void> {
    try {
      assertPid(target?.pid, 'sendTo: target.pid');
      if (!isBytes(bytes)) throw new InvalidArgumentError('sendTo: bytes must be a Uint8Array');
      if (target.node === this.name) {
        // Like sendGlobal's local fast path: a refused message is counted, not silently lost.
        if (!this.runtime.send(target.pid, bytes)) this.#counters.messagesDropped++;
        return SENT;
      }
      const wait = this.#link(target.node).sendPid(target.pid, bytes);
      this.#counters.messagesOut++;
      return wait ?? SENT;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // ---------------------------------------------------------------- global registry

  /** Register `pid` (a local process) under a cluster-wide name; false if the name is taken or the pid dead. */
  registerGlobal(name: string, pid: Pid): boolean {
    if (typeof name !== 'string' || name.length === 0 || name.length > 1024) {
      throw new InvalidArgumentError('registerGlobal: name must be a string of 1..1024 characters');
    }
    assertPid(pid, 'registerGlobal: pid');
    return this.#closing === undefined && this.#names.register(name, pid);
  }

  /** Withdraw a global name this node owns; false if it does not own it. */
  unregisterGlobal(name: string): boolean {
    return this.#names.unregister(name);
  }

  /** The name of the node owning global name `name`, or undefined. */
  whereisGlobal(name: string): string | undefined {
    return this.#names.get(name)?.node;
  }

  /** The owner of `name` as { node, pid }, or undefined. */
  lookupGlobal(name: string): { node: string; pid: Pid } | undefined {
    const e = this.#names.get(name);
    return e === undefined ? undefined : { node: e.node, pid: e.pid };
  }

  /** Every global name this node knows, with its owner. */
  globalNames(): { name: string; node: string; pid: Pid }[] {
    return [...this.#names.entries()].map(([name, e]) => ({ name, node: e.node, pid: e.pid }));
  }

  /** Send to the process registered globally as `name`, wherever it lives (locally without a hop). */
  async sendGlobal(name: string, bytes: Uint8Array): Promise<void> {
    if (!isBytes(bytes)) throw new InvalidArgumentError('sendGlobal: bytes must be a Uint8Array');
    const e = this.#names.get(name);
    if (e === undefined) throw new UnknownNameError(name);
    if (e.node === this.name) {
      if (!this.runtime.send(e.pid, bytes)) this.#counters.messagesDropped++;
      return;
    }
    const wait = this.#link(e.node).sendPid(e.pid, bytes);
    this.#counters.messagesOut++;
    if (wait) await wait;
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
    return this.#monitors.monitor(watcher, target);
  }

  demonitorRemote(ref: MonitorRef): boolean {
    return this.#monitors.demonitor(ref);
  }

  // ---------------------------------------------------------------- remote spawn and live attach

  /** Allow peers to `spawnRemote(thisNode, name, args)`. Replaces an earlier factory of that name. */
  registerSpawnable(name: string, factory: SpawnableFactory): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('registerSpawnable: name must be a non-empty string');
    }
    if (typeof factory !== 'function') {
      throw new InvalidArgumentError('registerSpawnable: factory must be a function');
    }
    this.#rpc.register(name, factory);
  }

  unregisterSpawnable(name: string): boolean {
    return this.#rpc.unregister(name);
  }

  /** One RPC to `node`, bounded by `timeout` ms (default `rpcTimeout`); `caller` names the API in errors. */
  #call(
    caller: string,
    node: string,
    method: string,
    args: unknown,
    timeout: number | undefined,
  ): Promise<unknown> {
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && timeout <= 2 ** 31 - 1)) {
      throw new InvalidArgumentError(
        `${caller}: options.timeout must be a number of ms in 1..${2 ** 31 - 1}, got ${String(timeout)}`,
      );
    }
    return this.#link(node).request(method, args, timeout ?? this.#o.rpcTimeout);
  }

  /** Run factory `factory` on node `node` with `args`; resolves the new process's pid there. */
  async spawnRemote(
    node: string,
    factory: string,
    args: Uint8Array = new Uint8Array(0),
    options: { timeout?: number } = {},
  ): Promise<Pid> {
    if (typeof factory !== 'string' || factory.length === 0) {
      throw new InvalidArgumentError('spawnRemote: factory must be a non-empty string');
    }
    if (!isBytes(args)) throw new InvalidArgumentError('spawnRemote: args must be a Uint8Array');
    return (await this.#call('spawnRemote', node, RpcMethod.Spawn, [factory, args], options.timeout)) as Pid;
  }

  /** The pids alive on `node` (live attach). */
  async remotePids(node: string, options: { timeout?: number } = {}): Promise<Pid[]> {
    return (await this.#call('remotePids', node, RpcMethod.Pids, null, options.timeout)) as Pid[];
  }

  /** A snapshot of process `pid` on `node`, or undefined if it is not alive there. */
  async remoteInfo(
    node: string,
    pid: Pid,
    options: { timeout?: number } = {},
  ): Promise<ProcessInfo | undefined> {
    assertPid(pid, 'remoteInfo: pid');
    return ((await this.#call('remoteInfo', node, RpcMethod.Info, pid, options.timeout)) ?? undefined) as
      | ProcessInfo
      | undefined;
  }

  /** A round trip on the control channel (resolves 'pong'). */
  async ping(node: string, options: { timeout?: number } = {}): Promise<string> {
    return (await this.#call('ping', node, RpcMethod.Ping, null, options.timeout)) as string;
  }

  // ---------------------------------------------------------------- lifetime

  /** Say goodbye to every peer, stop listening, free the transport. Idempotent; one shared promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#seeds.close();
      // Handshakes end, and connect() calls waiting for a kept link give up now rather than at
      // their timeout.
      this.#bringup.close();
      await Promise.all([...this.#links.values()].map((l) => l.close('node closing')));
      await this.#listener?.close();
      await this.transport.close();
      this.#watcher.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
