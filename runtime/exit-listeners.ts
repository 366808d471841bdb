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
import type { Behaviour, ExitReason, Pid } from './types.js';

/** Observers of process exits (see `Runtime.on`). */
export type ExitListener = (pid: Pid, reason: ExitReason, error: unknown) => void;

/**
 * Observers of `killed` exits. They also get the process's behaviour: the object `terminate`
 * would have been called on, had the process not been killed.
 */
export type KillListener = (pid: Pid, reason: ExitReason, error: unknown, behaviour: Behaviour) => void;

export class ExitListeners {
  /** Told of every exit. Read `.length` before calling {@link notify} (the common case is none). */
  readonly exit: ExitListener[] = [];
  /** Told of `crashed` exits; while any is registered they replace the default crash report. */
  readonly crash: ExitListener[] = [];
  /**
   * Told of `killed` exits (no `terminate` ran): what a layer that keeps per-process state in
   * `terminate` (the Wasm host) needs, without an `exit` listener running on every exit.
   */
  readonly kill: KillListener[] = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Add `listener` for `event`; returns the function that removes it. */
  add(event: 'exit' | 'crash' | 'kill', listener: ExitListener | KillListener): () => void {
    if (typeof listener !== 'function') {
      throw new InvalidArgumentError(`on: listener must be a function, got ${describe(listener)}`);
    }
    if (event !== 'exit' && event !== 'crash' && event !== 'kill') {
      throw new InvalidArgumentError(`on: event must be 'exit', 'crash' or 'kill', got ${describe(event)}`);
    }
    const list: (ExitListener | KillListener)[] =
      event === 'exit' ? this.exit : event === 'crash' ? this.crash : this.kill;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /**
   * Call every listener of `list`; one that throws is logged and the rest still run. `behaviour`
   * is for the `kill` list (exit and crash listeners take three arguments).
   */
  notify(
    list: readonly KillListener[],
    pid: Pid,
    reason: ExitReason,
    error: unknown,
    behaviour?: Behaviour,
  ): void {
    for (const listener of list) {
      try {
        listener(pid, reason, error, behaviour as Behaviour);
      } catch (err) {
        this.#logger.error('an exit listener threw', { pid, error: err });
      }
    }
  }
}
