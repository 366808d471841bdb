/**
 * The requests a thread has sent to other threads and not yet had answered: queries (`info`,
 * `list`, `stats`) and asynchronous spawns. Answers come back over the ring as `answer` and
 * `spawned` control messages; when a thread is lost, its queries resolve with a fallback (an empty
 * list, no info) and its spawns reject.
 *
 * @example
 * const pending = new PendingQueries(0, (thread, control) => node.dispatch(thread, control));
 * const pids = await pending.query(2, 'list'); // thread 2's pids
 */

import { deserializeError } from '../runtime/errors.js';
import type { Pid } from '../runtime/types.js';
import type { Control } from './protocol.js';

export type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  thread?: number;
  /** Queries resolve with this when their thread is lost (spawns reject). */
  fallback?: unknown;
};

export class PendingQueries {
  readonly #self: number;
  readonly #dispatch: (thread: number, control: Control) => boolean;
  readonly #pending = new Map<number, Pending>();
  #reqSeq = 0;

  /** `self` is this thread's index (where answers come back to). */
  constructor(self: number, dispatch: (thread: number, control: Control) => boolean) {
    this.#self = self;
    this.#dispatch = dispatch;
  }

  /** Ask `thread` a query; resolves with its answer. */
  query(thread: number, q: 'info' | 'list' | 'stats', pid?: Pid): Promise<unknown> {
    const id = ++this.#reqSeq;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, thread, fallback: q === 'list' ? [] : undefined });
      const ok = this.#dispatch(
        thread,
        pid === undefined
          ? { t: 'query', id, from: this.#self, q }
          : { t: 'query', id, from: this.#self, q, pid },
      );
      if (!ok) {
        this.#pending.delete(id);
        resolve(q === 'list' ? [] : undefined);
      }
    });
  }

  /** Wait for the answer to request `id` sent to `thread` (spawn replies use the same table). */
  expect(id: number, thread: number, pending: Pending): void {
    this.#pending.set(id, { ...pending, thread });
  }

  /** Reject the requests waiting on `thread` (its worker is gone). */
  rejectFor(thread: number, err: unknown): void {
    for (const [id, p] of this.#pending) {
      if (p.thread !== thread) continue;
      this.#pending.delete(id);
      if ('fallback' in p) p.resolve(p.fallback);
      else p.reject(err);
    }
  }

  nextId(): number {
    return ++this.#reqSeq;
  }

  /** Reject every pending request (the node is closing). */
  rejectAll(err: unknown): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  /** An `answer` or `spawned` control message arrived: settle its request (if still waiting). */
  settle(c: Extract<Control, { t: 'answer' | 'spawned' }>): void {
    const p = this.#pending.get(c.id);
    if (p === undefined) return;
    this.#pending.delete(c.id);
    if (c.t === 'answer') p.resolve(c.value);
    else if (c.error !== undefined) p.reject(deserializeError(c.error));
    else p.resolve(c.pid);
  }
}
