/**
 * Link bring-up for a cluster node: accepting and dialing connections, the handshake on each,
 * crossing dials, the full mesh, and taking links down. It owns the {@link LinkTable} (the links
 * that are up) and the links still in their handshake; the node (cluster-node.ts) is told of
 * every frame, every link up and every link down through {@link LinkHooks}, and does the rest
 * (names, monitors, seeds, events). docs/protocol.md describes the handshake on the wire.
 *
 * @example
 * const links = new LinkManager(self, options, transport, hooks);
 * listener = await transport.listen(host, port, (conn) => links.accept(conn));
 * const peer = await links.dial('127.0.0.1', 4370);   // resolves the peer's node name
 * links.close();                                       // then close the links in links.table
 */
import { ClosedError } from '../runtime/errors.js';
import { awaitHello, awaitWelcome, type HandshakeView, helloRefusal } from './link-handshake.js';
import { LinkTable } from './link-table.js';
import type { ResolvedOptions } from './options.js';
import { PeerLink } from './peer-link.js';
import { type Frame, FrameType, type HelloFrame, type PeerAddress, PROTOCOL_VERSION } from './protocol.js';
import type { Connection, Transport } from './transport.js';

/** What the node does with its links once they are up. */
export interface LinkHooks {
  /** A frame after the handshake; a throw (a protocol violation) takes that link down. */
  frame(link: PeerLink, f: Frame): void;
  /**
   * `link` is up and in the table, and the frames that came with its welcome were dispatched.
   * `silent`: it replaced an equal link after a crossing dial — peers saw no nodedown, so they
   * must see no nodeup either.
   */
  up(link: PeerLink, silent: boolean): void;
  /** The current link to `link.name` went down (a retired or replaced link is not reported). */
  down(link: PeerLink, reason: string): void;
  /** A link that never completed its handshake (refused, or closed before it finished). */
  refused(): void;
}

/** Who this node is, as its hello and welcome frames say. */
export interface LinkSelf {
  readonly name: string;
  readonly incarnation: number;
  /** The port this node listens on (0 until it listens). */
  readonly port: number;
}

export class LinkManager {
  /** The links that are up, by peer name. */
  readonly table = new LinkTable();
  readonly #handshaking = new Set<PeerLink>();
  /** Peers we are dialing now: a hello from one of them is a crossing dial. */
  readonly #dialing = new Set<string>();
  readonly #self: LinkSelf;
  readonly #o: ResolvedOptions;
  readonly #transport: Transport;
  readonly #hooks: LinkHooks;
  #closed = false;

  constructor(self: LinkSelf, o: ResolvedOptions, transport: Transport, hooks: LinkHooks) {
    this.#self = self;
    this.#o = o;
    this.#transport = transport;
    this.#hooks = hooks;
  }

  /** This node's state as the handshake sees it. */
  get #view(): HandshakeView {
    return { self: this.#self.name, links: this.table.byName, dialing: this.#dialing };
  }

  /** An inbound connection: wait for its hello, then welcome or refuse it. */
  accept(conn: Connection): void {
    if (this.#closed) {
      conn.destroy();
      return;
    }
    const link = this.#newLink(conn, false);
    link.onDown(() => {
      this.#handshaking.delete(link);
      // A name is only assigned on acceptance: a nameless link never completed its handshake.
      if (link.name === '' && !link.retired) this.#hooks.refused();
    });
    awaitHello(link, this.#o.handshakeTimeout, (hello) => {
      this.#handshaking.delete(link);
      this.#acceptHello(link, hello);
    });
  }

  #newLink(conn: Connection, dialed: boolean): PeerLink {
    const link = new PeerLink(conn, { dialed, logger: this.#o.logger, maxFrameBytes: this.#o.maxFrameBytes });
    this.#handshaking.add(link);
    return link;
  }

  #refuse(link: PeerLink, reason: string): void {
    this.#o.logger.warn(
      `cluster ${this.#self.name}: refused link from ${link.conn.remoteAddress}: ${reason}`,
    );
    link.send([FrameType.Reject, reason, this.#self.name]);
    void link.close(`refused: ${reason}`);
  }

  #acceptHello(link: PeerLink, hello: HelloFrame): void {
    const refusal = helloRefusal(this.#view, hello, link);
    if (refusal !== undefined) {
      this.#refuse(link, refusal);
      return;
    }
    const [, , name, incarnation, host, port, peers] = hello;
    Object.assign(link, { name, incarnation, host, port });
    const self = this.#self;
    link.send([
      FrameType.Welcome,
      self.name,
      self.incarnation,
      this.#o.advertiseHost,
      self.port,
      this.table.peerAddresses(name),
    ]);
    this.#up(link, peers, false);
  }

  /** Dial, handshake, and bring the link up; resolves the peer's name. */
  async dial(host: string, port: number, expected?: string): Promise<string> {
    const self = this.#self;
    if (this.#closed) throw new ClosedError(`cluster node ${self.name} is closed`);
    const conn = await this.#transport.dial(host, port, { timeout: this.#o.handshakeTimeout });
    if (this.#closed) {
      conn.destroy();
      throw new ClosedError(`cluster node ${self.name} is closed`);
    }
    const dialName = expected ?? conn.remote.name;
    if (dialName !== undefined) this.#dialing.add(dialName);
    const link = this.#newLink(conn, true);
    try {
      const hello: HelloFrame = [
        FrameType.Hello,
        PROTOCOL_VERSION,
        self.name,
        self.incarnation,
        this.#o.advertiseHost,
        self.port,
        this.table.peerAddresses(),
      ];
      const { welcome, held } = await awaitWelcome(link, hello, `${host}:${port}`, this.#o.handshakeTimeout);
      const [, name, incarnation, peerHost, peerPort, peers] = welcome;
      Object.assign(link, { name, incarnation, host: peerHost, port: peerPort });
      const existing = this.table.get(name);
      if (existing !== undefined && existing.incarnation === incarnation) {
        // Both sides accepted crossing dials; both keep the one dialed by the smaller name.
        if (self.name < name) {
          existing.retired = true;
          void existing.close('superseded by a crossing dial');
          this.#up(link, peers, true, held);
        } else {
          link.retired = true;
          void link.close('duplicate');
        }
        return name;
      }
      if (existing !== undefined) existing.destroy(`node ${name} restarted (new incarnation)`);
      this.#up(link, peers, false, held);
      return name;
    } finally {
      this.#handshaking.delete(link);
      if (dialName !== undefined) this.#dialing.delete(dialName);
    }
  }

  #up(link: PeerLink, peers: PeerAddress[], silent: boolean, held: Frame[] = []): void {
    this.table.add(link);
    link.start(this.#o.detector, this.#o.lanes);
    const hooks = this.#hooks;
    link.onFrame((f) => hooks.frame(link, f));
    // The down handler goes on before the frames that came in the welcome's chunk are dispatched:
    // a protocol violation among them takes the link down the usual way (out of the table, names
    // pruned, nodedown). Before, it destroyed a link that then stayed in the table — listed in
    // peers() and refusing the peer's next hello as a duplicate.
    link.onDown((reason) => {
      if (this.table.remove(link)) hooks.down(link, reason);
    });
    try {
      for (const f of held) hooks.frame(link, f);
    } catch (err) {
      link.destroy((err as Error).message);
      return;
    }
    this.table.broadcast([FrameType.PeerUp, link.name, link.host, link.port], link);
    for (const [peer, host, port] of peers) this.meshDial(peer, host, port);
    hooks.up(link, silent);
  }

  /** Full mesh without crossing dials: of two nodes that learn of each other, the one whose name sorts first dials. */
  meshDial(peer: string, host: string, port: number): void {
    const self = this.#self.name;
    if (this.#closed || peer === self || self > peer) return;
    if (this.table.has(peer) || this.#dialing.has(peer)) return;
    this.dial(host, port, peer).catch((err: Error) =>
      this.#o.logger.warn(`cluster ${self}: could not reach peer ${peer} at ${host}:${port}: ${err.message}`),
    );
  }

  /**
   * The node is closing: refuse new connections and dials, end the handshakes in progress, and
   * wake every `whenLinked` wait. The links that are up stay for the node to close gracefully.
   */
  close(): void {
    this.#closed = true;
    this.table.close();
    for (const l of this.#handshaking) l.destroy('node closing');
  }
}
