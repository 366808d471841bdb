/**
 * Shard workers log through the scheduler's logger: a worker's runtime and Wasm host get a
 * {@link forwardingLogger} that posts each record to the main thread, where the shard pool hands
 * it to the `Scheduler`'s logger with the shard's thread added ({@link relayLog}). So one
 * `logger` option (a `wactor serve --log-format json` logger, a test's capture) sees the crash
 * reports of every shard, filtered by its own level; a worker never writes to stderr itself.
 *
 * Records are rare (crash reports, warnings), so `postMessage` is fine here; the hot paths never
 * log. A value the structured clone cannot copy (a function, a class instance with private
 * state) is sent as its `String()`; errors keep name, message and stack.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from '../runtime/logger.js';

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
type Level = (typeof LEVELS)[number];

/** The message a worker posts for one log record. */
export interface LogRecordMessage {
  readonly type: 'log';
  readonly level: Level;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}

function cloneable(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    try {
      out[k] = structuredClone(v);
    } catch {
      out[k] = String(v);
    }
  }
  return out;
}

/**
 * A logger for inside a shard worker that forwards every record to the main thread.
 *
 * @example
 * const runtime = new Runtime({ logger: forwardingLogger(parentPort!) });
 */
export function forwardingLogger(port: Pick<MessagePort, 'postMessage'>): Logger {
  const at =
    (level: Level) =>
    (message: string, data?: Record<string, unknown>): void => {
      let record: LogRecordMessage = { type: 'log', level, message, ...(data === undefined ? {} : { data }) };
      try {
        port.postMessage(record);
      } catch {
        record = { type: 'log', level, message, data: cloneable(data ?? {}) };
        port.postMessage(record);
      }
    };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/**
 * On the main thread: if `m` is a worker's log record, pass it to `logger` with `shard` (the
 * worker's thread index) added, and return true.
 *
 * @example
 * worker.on('message', (m) => relayLog(m, thread, logger) || handleOther(m));
 */
export function relayLog(m: unknown, shard: number, logger: Logger): boolean {
  const r = m as Partial<LogRecordMessage> | null;
  if (r === null || typeof r !== 'object' || r.type !== 'log') return false;
  const level = LEVELS.includes(r.level as Level) ? (r.level as Level) : 'error';
  logger[level](String(r.message), { ...(r.data ?? {}), shard });
  return true;
}
