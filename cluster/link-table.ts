/**
 * The links of a cluster node that are up, by peer node name — and the waits for one to come up.
 *
 * One link per peer: the node brings links up and down (cluster-node.ts), this table holds the
 * current one, wakes `connect()` calls waiting for a link the other side kept after a crossing
 * dial, keeps the frame counts of links that are gone (a link's counters leave with it), and
 * fans a frame out to every peer.
 *
 * @example
 * const links = new LinkTable();
 * const up = links.whenLinked('beta', 5000);   // resolves true once a link to beta is added
 * links.add(link);                             // link.name === 'beta'
 * links.broadcast([FrameType.RegDel, 'kv', 1025]);
 */
import type { PeerLink } from './peer-link.js';
import type { Frame, PeerAddress } from './protocol.js';

export class LinkTable {
  readonly #links = new Map<string, PeerLink>();
  /** Wake-ups of whenLinked() calls, by node. */
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;
  /** Frames counted by links that are no longer in the table. */
  #goneFramesIn = 0;
  #goneFramesOut = 0;

  /** The links by peer node name (a live, read-only view). */
  get byName(): ReadonlyMap<string, PeerLink> {
    return this.#links;
  }

  get size(): number {
    return this.#links.size;
  }

  get(node: string): PeerLink | undefined {
    return this.#links.get(node);
  }

  has(node: string): boolean {
    return this.#links.has(node);
  }

  names(): string[] {
    return [...this.#links.keys()];
  }

  values(): IterableIterator<PeerLink> {
    return this.#links.values();
  }

  /** Make `link` the current link to `link.name` and wake whoever waits for that node. */
  add(link: PeerLink): void {
    this.#links.set(link.name, link);
    const waiters = this.#waiters.get(link.name);
    if (waiters !== undefined) for (const wake of [...waiters]) wake();
  }

  /**
   * Take `link` out if it is the current link to its node (a retired or replaced link is not:
   * the node's view is the link that took its place). True if it was removed.
   */
  remove(link: PeerLink): boolean {
    if (this.#links.get(link.name) !== link) return false;
    this.#links.delete(link.name);
    this.#goneFramesIn += link.framesIn;
    this.#goneFramesOut += link.framesOut;
    return true;
  }

  /** Frames read from peers since start, over the links up and those gone. */
  get framesIn(): number {
    let n = this.#goneFramesIn;
    for (const l of this.#links.values()) n += l.framesIn;
    return n;
  }

  /** Frames written to peers since start, over the links up and those gone. */
  get framesOut(): number {
    let n = this.#goneFramesOut;
    for (const l of this.#links.values()) n += l.framesOut;
    return n;
  }

  /** Where every peer but `except` listens: what a hello or welcome tells the other side. */
  peerAddresses(except?: string): PeerAddress[] {
    const out: PeerAddress[] = [];
    for (const l of this.#links.values()) if (l.name !== except) out.push([l.name, l.host, l.port]);
    return out;
  }

  /** Send `frame` on the control channel of every link but `except`. */
  broadcast(frame: Frame, except?: PeerLink): void {
    for (const l of this.#links.values()) if (l !== except) l.send(frame);
  }

  /**
   * Resolves true once a link to `node` is up (at once if it is), false after `timeout` ms
   * without one or when the table closes (close() wakes every waiter, so no timer outlives it).
   */
  whenLinked(node: string, timeout: number): Promise<boolean> {
    if (this.#links.has(node)) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let waiters = this.#waiters.get(node);
      if (waiters === undefined) this.#waiters.set(node, (waiters = new Set()));
      const set = waiters;
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(node) === set) this.#waiters.delete(node);
        resolve(!this.#closed && this.#links.has(node));
      };
      const timer = setTimeout(wake, timeout);
      set.add(wake);
    });
  }

  /** The node is closing: every whenLinked() resolves false now and from here on. */
  close(): void {
    this.#closed = true;
    for (const waiters of [...this.#waiters.values()]) for (const wake of [...waiters]) wake();
  }
}
