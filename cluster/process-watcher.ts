/**
 * Watches local processes for the cluster through one agent process.
 *
 * The runtime reports a process's end as a `down` message to a watcher *process*; the cluster
 * is not a process, so it spawns one agent whose mailbox receives every down for the monitors
 * the cluster holds (global-name owners, processes peers monitor) and calls back.
 *
 * @example
 * const watcher = new ProcessWatcher(runtime, 'cluster-agent:alpha');
 * const ref = watcher.watch(pid, (reason) => console.log(pid, 'ended', reason));
 * watcher.unwatch(ref);
 */
import type { LocalNode, MonitorRef, Pid } from '../runtime/types.js';

export type DownCallback = (reason: string, pid: Pid) => void;

export class ProcessWatcher {
  readonly #runtime: LocalNode;
  readonly #agent: Pid;
  readonly #callbacks = new Map<MonitorRef, DownCallback>();

  constructor(runtime: LocalNode, label: string) {
    this.#runtime = runtime;
    this.#agent = runtime.spawn({ receive: (msg: unknown) => this.#onMessage(msg) }, { label });
  }

  /**
   * Call `onDown` once when `pid` ends (at once, asynchronously, with `noproc` if it is dead).
   * The runtime queues even an immediate `noproc` to the agent's mailbox, so registering the
   * callback after `monitor()` returns is still in time.
   */
  watch(pid: Pid, onDown: DownCallback): MonitorRef {
    const ref = this.#runtime.monitor(this.#agent, pid);
    this.#callbacks.set(ref, onDown);
    return ref;
  }

  unwatch(ref: MonitorRef): void {
    if (this.#callbacks.delete(ref)) this.#runtime.demonitor(ref);
  }

  #onMessage(msg: unknown): void {
    const m = msg as { type?: unknown; ref?: unknown; pid?: unknown; reason?: unknown };
    if (m?.type !== 'down' || typeof m.ref !== 'number') return;
    const cb = this.#callbacks.get(m.ref);
    if (cb === undefined) return;
    this.#callbacks.delete(m.ref);
    cb(String(m.reason), m.pid as Pid);
  }

  /** Stop the agent (and with it every monitor it holds). */
  close(): void {
    this.#callbacks.clear();
    this.#runtime.kill(this.#agent);
  }
}
