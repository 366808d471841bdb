/**
 * The loggers of `wactor serve`: `--log-level` filters, `--log-format` picks human-readable lines
 * (the default, for a terminal) or JSON lines through pino (for a log pipeline). Both write to
 * stderr synchronously, so a crash report written just before the process ends is not lost.
 *
 * Crash reports from inside shard workers reach this logger too (the scheduler relays them, with
 * `shard` added).
 */
import { pino } from 'pino';
import { InvalidArgumentError, type Logger, silentLogger } from '../runtime/index.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogOptions {
  /** Least severe level written (default `info`). */
  readonly level?: LogLevel;
  /** `text` (default) or `json` (one pino JSON object per line). */
  readonly format?: LogFormat;
  /** Fields on every record (json) or a prefix tag (text), e.g. `{ node: 'alpha' }`. */
  readonly bindings?: Readonly<Record<string, string>>;
  /** Where lines go (default: stderr). */
  readonly write?: (line: string) => void;
}

/** Check a `--log-level` value. */
export function parseLogLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new InvalidArgumentError(
    `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`,
  );
}

/** Check a `--log-format` value. */
export function parseLogFormat(value: string): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new InvalidArgumentError(
    `--log-format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(value)}`,
  );
}

const rank: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** A field value as text: strings as they are, the rest as JSON (or `String()` if JSON fails). */
function show(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function textLogger(level: LogLevel, tag: string, write: (line: string) => void): Logger {
  const at = (l: Exclude<LogLevel, 'silent'>) => {
    if (rank[l] > rank[level]) return () => {};
    return (message: string, data?: Record<string, unknown>) => {
      const { error, ...rest } = data ?? {};
      const fields = Object.entries(rest)
        .map(([k, v]) => ` ${k}=${show(v)}`)
        .join('');
      const detail =
        error instanceof Error
          ? `\n${error.stack ?? error.message}`
          : error === undefined
            ? ''
            : ` error=${show(error)}`;
      write(`[wactor${tag}] ${l}: ${message}${fields}${detail}\n`);
    };
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

function jsonLogger(
  level: LogLevel,
  bindings: Readonly<Record<string, string>>,
  write?: (line: string) => void,
): Logger {
  const stream = write === undefined ? pino.destination({ fd: 2, sync: true }) : { write };
  const log = pino(
    {
      level,
      base: { ...bindings },
      // The runtime passes errors as `error`; pino's serializer keeps type, message and stack.
      serializers: { error: pino.stdSerializers.err },
    },
    stream,
  );
  return {
    error: (m, d) => log.error(d ?? {}, m),
    warn: (m, d) => log.warn(d ?? {}, m),
    info: (m, d) => log.info(d ?? {}, m),
    debug: (m, d) => log.debug(d ?? {}, m),
  };
}

/**
 * A logger for the runtime, scheduler, Wasm host and cluster of a served node.
 *
 * @example
 * const logger = createLogger({ level: 'debug', format: 'json', bindings: { node: 'alpha' } });
 * logger.error('process crashed', { pid: 1025, error: new Error('boom') });
 * // {"level":50,"time":…,"node":"alpha","pid":1025,"error":{"type":"Error","message":"boom",…},"msg":"process crashed"}
 */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (level === 'silent') return silentLogger;
  const bindings = options.bindings ?? {};
  if ((options.format ?? 'text') === 'json') return jsonLogger(level, bindings, options.write);
  const tag = Object.values(bindings)
    .map((v) => ` ${v}`)
    .join('');
  return textLogger(level, tag, options.write ?? ((line) => void process.stderr.write(line)));
}
