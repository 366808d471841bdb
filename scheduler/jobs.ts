/**
 * One-off jobs on a piscina pool: CPU work an actor wants done off its shard (a shard's thread
 * must keep turning its mailbox loop, so a long computation belongs here). The pool starts on
 * first use, keeps no idle thread alive for long, and is destroyed with the scheduler.
 *
 * @example
 * // jobs/sum.js: export default function (input) { return input.reduce((a, b) => a + b, 0); }
 * const total = await scheduler.run({ module: new URL('./jobs/sum.js', import.meta.url), input: [1, 2, 3] });
 */
import { Piscina } from 'piscina';
import { serializeError } from '../runtime/errors.js';
import type { Pid } from '../runtime/types.js';
import { JobError } from './errors.js';
import { resolveModule } from './module-loader.js';

export interface JobRequest {
  /** Path or URL of an ESM module exporting the job function. */
  readonly module: string | URL;
  /** The export to call (default `default`). */
  readonly name?: string;
  /** Structured-cloneable input for the job function. */
  readonly input?: unknown;
  /** Abort the job (rejects with `WACTOR_ERR_SCHEDULER_JOB_ABORTED`). */
  readonly signal?: AbortSignal;
  /** Milliseconds before the job is abandoned (rejects with `WACTOR_ERR_SCHEDULER_JOB_TIMEOUT`). */
  readonly timeout?: number;
  /** An actor that also receives the outcome as `{ type: 'job', id, ok, value | error }`. */
  readonly replyTo?: Pid;
  /** Echoed back in the reply message. */
  readonly id?: string | number;
}

/** The message `replyTo` receives. */
export type JobMessage =
  | { readonly type: 'job'; readonly id: string | number | null; readonly ok: true; readonly value: unknown }
  | {
      readonly type: 'job';
      readonly id: string | number | null;
      readonly ok: false;
      readonly error: { code: string; message: string };
    };

export class JobPool {
  readonly #pool: Piscina;
  #running = 0;

  /** Jobs started and not yet settled (running or waiting for a pool thread). */
  get running(): number {
    return this.#running;
  }

  constructor(maxThreads: number) {
    this.#pool = new Piscina({ minThreads: 0, maxThreads, idleTimeout: 1000 });
  }

  run<R>(task: JobRequest, send: (pid: Pid, msg: JobMessage) => void): Promise<R> {
    const filename = resolveModule(task.module, 'run: task.module');
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let why: JobError | undefined;
    const abort = (err: JobError) => {
      why ??= err;
      controller.abort(err);
    };
    if (task.signal?.aborted)
      abort(new JobError('WACTOR_ERR_SCHEDULER_JOB_ABORTED', 'run: the job was aborted'));
    const onAbort = () => abort(new JobError('WACTOR_ERR_SCHEDULER_JOB_ABORTED', 'run: the job was aborted'));
    task.signal?.addEventListener('abort', onAbort, { once: true });
    if (task.timeout !== undefined) {
      timer = setTimeout(
        () =>
          abort(
            new JobError(
              'WACTOR_ERR_SCHEDULER_JOB_TIMEOUT',
              `run: the job did not finish within ${task.timeout} ms`,
            ),
          ),
        task.timeout,
      );
    }
    const id = task.id ?? null;
    const cleanup = () => {
      this.#running--;
      if (timer !== undefined) clearTimeout(timer);
      task.signal?.removeEventListener('abort', onAbort);
    };
    this.#running++;
    return this.#pool
      .run(task.input, { filename, name: task.name ?? 'default', signal: controller.signal })
      .then(
        (value: R) => {
          cleanup();
          if (task.replyTo !== undefined) send(task.replyTo, { type: 'job', id, ok: true, value });
          return value;
        },
        (err: unknown) => {
          cleanup();
          const error =
            why ??
            new JobError(
              'WACTOR_ERR_SCHEDULER_JOB',
              `run: the job failed: ${err instanceof Error ? err.message : String(err)}`,
              { cause: err },
            );
          if (task.replyTo !== undefined)
            send(task.replyTo, { type: 'job', id, ok: false, error: serializeError(error) });
          throw error;
        },
      );
  }

  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}
