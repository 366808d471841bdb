/**
 * Observers of process ends (`Runtime.on('exit' | 'crash' | 'kill', …)`): three lists and the rule that a
 * listener which throws is logged and never stops the others, nor the exit that called it.
 *
 * @example
 * const listeners = new ExitListeners(logger);
 * const off = listeners.add('crash', (pid, reason, error) => report(pid, error));
 * if (listeners.crash.length > 0) listeners.notify(listeners.crash, pid, 'crashed', err);
 * off();
 */
import { InvalidArgumentError } from './errors.js';
import type { Logger } from './logger.js';
import { describe } from './pid.js';
import type { ExitReason, Pid } from './types.js';

/** Observers of process exits (see `Runtime.on`). */
export type ExitListener = (pid: Pid, reason: ExitReason, error: unknown) => void;

export class ExitListeners {
  /** Told of every exit. Read `.length` before calling {@link notify} (the common case is none). */
  readonly exit: ExitListener[] = [];
  /** Told of `crashed` exits; while any is registered they replace the default crash report. */
  readonly crash: ExitListener[] = [];
  /**
   * Told of `killed` exits (no `terminate` ran): what a layer that keeps per-process state in
   * `terminate` (the Wasm host) needs, without an `exit` listener running on every exit.
   */
  readonly kill: ExitListener[] = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Add `listener` for `event`; returns the function that removes it. */
  add(event: 'exit' | 'crash' | 'kill', listener: ExitListener): () => void {
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError(`on: listener must be a function, got ${describe(listener)}`);
    }
    if (event !== 'exit' && event !== 'crash' && event !== 'kill') {
      throw new InvalidArgumentError(`on: event must be 'exit', 'crash' or 'kill', got ${describe(event)}`);
    }
    const list = event === 'exit' ? this.exit : event === 'crash' ? this.crash : this.kill;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Call every listener of `list`; one that throws is logged and the rest still run. */
  notify(list: readonly ExitListener[], pid: Pid, reason: ExitReason, error: unknown): void {
    for (const listener of list) {
      try {
        listener(pid, reason, error);
      } catch (err) {
        this.#logger.error('an exit listener threw', { pid, error: err });
      }
    }
  }
}
