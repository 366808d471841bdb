/**
 * The small logging seam the runtime uses for crash reports and errors it cannot return to a
 * caller. Structurally compatible with pino/console-style loggers (`(message, data)`).
 *
 * @example
 * const rt = new Runtime({ logger: silentLogger }); // quiet tests
 */
export interface Logger {
  error(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  debug(message: string, data?: Record<string, unknown>): void;
}

function write(level: string, message: string, data?: Record<string, unknown>): void {
  const error = data?.error;
  const detail =
    error instanceof Error
      ? `\n${error.stack ?? error.message}`
      : error !== undefined
        ? ` ${String(error)}`
        : '';
  process.stderr.write(`[wactor] ${level}: ${message}${detail}\n`);
}

/** Writes errors and warnings to stderr; drops info and debug. The default. */
export const consoleLogger: Logger = {
  error: (m, d) => write('error', m, d),
  warn: (m, d) => write('warn', m, d),
  info: () => {},
  debug: () => {},
};

/** Drops everything. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
