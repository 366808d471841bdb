/**
 * A node's seeds: the addresses it joins the cluster through, and reconnects to with
 * exponential backoff while they are unreachable or after their link drops (unless the node is
 * closing). The node supplies how to dial and whether a node is linked; the dialer owns the
 * per-seed state (which node answered there, the next delay, the retry timer).
 *
 * @example
 * const seeds = new SeedDialer(o.seeds, o.reconnect, { dial, isLinked, log });
 * await seeds.joinAll();            // first attempts; retries continue in the background
 * seeds.linkUp(link.host, link.port, link.name); seeds.linkDown('beta'); seeds.close();
 */
import { DuplicateLinkError } from './errors.js';

export interface SeedDialerHooks {
  /** Dial host:port and bring the link up; resolves the peer's node name. */
  readonly dial: (host: string, port: number) => Promise<string>;
  /** Whether a link to `node` is up. */
  readonly isLinked: (node: string) => boolean;
  /** Why a seed could not be reached this time (debug level). */
  readonly log: (line: string) => void;
}

interface Seed {
  readonly host: string;
  readonly port: number;
  /** The node that answered at this address (learnt on link-up or from a duplicate refusal). */
  node: string | undefined;
  delay: number;
  timer: NodeJS.Timeout | undefined;
}

export class SeedDialer {
  readonly #seeds: Seed[];
  readonly #reconnect: { readonly initialDelay: number; readonly maxDelay: number };
  readonly #hooks: SeedDialerHooks;
  #closed = false;

  constructor(
    seeds: readonly { readonly host: string; readonly port: number }[],
    reconnect: { readonly initialDelay: number; readonly maxDelay: number },
    hooks: SeedDialerHooks,
  ) {
    this.#reconnect = reconnect;
    this.#hooks = hooks;
    this.#seeds = seeds.map((s) => ({
      host: s.host,
      port: s.port,
      node: undefined,
      delay: reconnect.initialDelay,
      timer: undefined,
    }));
  }

  /** Try every seed once (settles when all attempts have); failures retry in the background. */
  async joinAll(): Promise<void> {
    await Promise.allSettled(this.#seeds.map((s) => this.#try(s)));
  }

  /** A link came up to `node`, which listens at host:port: remember it if that is a seed. */
  linkUp(host: string, port: number, node: string): void {
    for (const s of this.#seeds) if (s.host === host && s.port === port) s.node = node;
  }

  /** The link to `node` went down: if it is a seed, reconnect after the initial delay. */
  linkDown(node: string): void {
    for (const s of this.#seeds) if (s.node === node) this.#schedule(s, this.#reconnect.initialDelay);
  }

  /** Stop retrying. */
  close(): void {
    this.#closed = true;
    for (const s of this.#seeds) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
    }
  }

  async #try(s: Seed): Promise<void> {
    s.timer = undefined;
    if (this.#closed || (s.node !== undefined && this.#hooks.isLinked(s.node))) return;
    try {
      s.node = await this.#hooks.dial(s.host, s.port);
      s.delay = this.#reconnect.initialDelay;
    } catch (err) {
      // Refused as a duplicate: that node is linked (or linking) through its own dial to us.
      if (err instanceof DuplicateLinkError) {
        s.node = err.peer;
        return;
      }
      this.#hooks.log(`seed ${s.host}:${s.port} unreachable: ${(err as Error).message}`);
      this.#schedule(s, s.delay);
      s.delay = Math.min(s.delay * 2, this.#reconnect.maxDelay);
    }
  }

  #schedule(s: Seed, delay: number): void {
    if (this.#closed || s.timer !== undefined) return;
    s.timer = setTimeout(() => void this.#try(s), delay);
    s.timer.unref();
  }
}
