/**
 * The cluster-wide name table as one node sees it: name → (owning node, pid).
 *
 * Every node keeps a full copy, fed by gossip (RegSync on link-up, RegAdd/RegDel afterwards).
 * Conflicts — two nodes claiming one name, which happens when both register before they hear of
 * each other — resolve by one deterministic rule every node applies on its own: **the claim of
 * the node whose name sorts first (by UTF-16 code units) wins**. Because the rule depends only
 * on the two claims, all nodes converge on the same owner whatever order the gossip arrives in;
 * the losing node drops its claim and tells its process (see `ClusterNode`).
 *
 * @example
 * const reg = new GlobalRegistry('alpha');
 * reg.claim('db', 'beta', 1030);  // { accepted: true }
 * reg.claim('db', 'alpha', 1024); // { accepted: true, displaced: { node: 'beta', pid: 1030 } }
 */

export interface GlobalEntry {
  readonly node: string;
  readonly pid: number;
}

export interface ClaimResult {
  /** The claim now holds the name. */
  readonly accepted: boolean;
  /** The entry it replaced after a conflict (its owner lost). */
  readonly displaced?: GlobalEntry;
}

/** The conflict rule: true if a claim by `a` beats one by `b`. */
export function claimWins(a: string, b: string): boolean {
  return a < b;
}

export class GlobalRegistry {
  readonly self: string;
  readonly #names = new Map<string, GlobalEntry>();

  constructor(self: string) {
    this.self = self;
  }

  get(name: string): GlobalEntry | undefined {
    return this.#names.get(name);
  }

  get size(): number {
    return this.#names.size;
  }

  /** All entries, as `[name, entry]`. */
  entries(): IterableIterator<[string, GlobalEntry]> {
    return this.#names.entries();
  }

  /** Names this node owns, as `[name, pid]` (what RegSync carries). */
  owned(): [string, number][] {
    const out: [string, number][] = [];
    for (const [name, e] of this.#names) if (e.node === this.self) out.push([name, e.pid]);
    return out;
  }

  /**
   * Apply a claim (local or gossiped). A claim by the current owner updates its pid; a claim
   * by another node wins or loses by {@link claimWins}.
   */
  claim(name: string, node: string, pid: number): ClaimResult {
    const cur = this.#names.get(name);
    if (cur === undefined || cur.node === node) {
      this.#names.set(name, { node, pid });
      return { accepted: true };
    }
    if (claimWins(node, cur.node)) {
      this.#names.set(name, { node, pid });
      return { accepted: true, displaced: cur };
    }
    return { accepted: false };
  }

  /** Remove `name` if `node` owns it (and, when given, with that pid). */
  release(name: string, node: string, pid?: number): GlobalEntry | undefined {
    const cur = this.#names.get(name);
    if (cur === undefined || cur.node !== node || (pid !== undefined && cur.pid !== pid)) return undefined;
    this.#names.delete(name);
    return cur;
  }

  /** Remove every name `node` owns (its link went down); returns the names. */
  prune(node: string): string[] {
    const gone: string[] = [];
    for (const [name, e] of this.#names) {
      if (e.node === node) {
        this.#names.delete(name);
        gone.push(name);
      }
    }
    return gone;
  }
}
