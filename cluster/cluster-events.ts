/**
 * Membership events of a cluster node — `nodeup` when a link to a peer comes up, `nodedown`
 * with the reason when it goes — and the listeners subscribed to them.
 *
 * A listener that throws is logged and does not keep the others (or the link bookkeeping that
 * emitted the event) from running.
 *
 * @example
 * const events = new ClusterEventHub((event, err) => logger.error(`${event} listener threw`, { error: err }));
 * const off = events.on('nodedown', ({ node, reason }) => console.log(node, 'down:', reason));
 * events.emit('nodedown', { node: 'beta', reason: 'connection closed' });
 * off();
 */
import { InvalidArgumentError } from '../runtime/errors.js';

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

type Listener<K extends keyof ClusterEvents> = (e: ClusterEvents[K]) => void;

export class ClusterEventHub {
  readonly #listeners: { [K in keyof ClusterEvents]: Set<Listener<K>> } = {
    nodeup: new Set(),
    nodedown: new Set(),
  };
  readonly #onListenerError: (event: keyof ClusterEvents, err: unknown) => void;

  constructor(onListenerError: (event: keyof ClusterEvents, err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Subscribe to `nodeup` / `nodedown`; returns the unsubscribe function. */
  on<K extends keyof ClusterEvents>(event: K, listener: Listener<K>): () => void {
    const set = Object.hasOwn(this.#listeners, event)
      ? (this.#listeners[event] as Set<Listener<K>>)
      : undefined;
    if (set === undefined) {
      throw new InvalidArgumentError(`event must be 'nodeup' or 'nodedown', got ${String(event)}`);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof ClusterEvents>(event: K, e: ClusterEvents[K]): void {
    for (const l of this.#listeners[event] as Set<Listener<K>>) {
      try {
        l(e);
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
  }
}
