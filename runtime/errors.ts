/**
 * Every error wactor raises is a {@link WactorError} with a literal `code`
 * (`WACTOR_ERR_<AREA>_<WHAT>`) and an optional `cause`. Errors that cross a thread or the
 * network travel as `{ code, message }` ({@link serializeError}) and are rebuilt on the other
 * side ({@link deserializeError}). The catalogue is docs/errors.md.
 *
 * @example
 * try { rt.sendAfter(pid, -1, 'x'); } catch (err) {
 *   if (err instanceof WactorError && err.code === 'WACTOR_ERR_INVALID_ARGUMENT') { ... }
 * }
 */
export class WactorError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A bad argument at an API boundary; the message names the argument and the rule. */
export class InvalidArgumentError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_INVALID_ARGUMENT', message, options);
  }
}

/** The runtime (or scheduler, or node) was shut down and refuses new work. */
export class ClosedError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_CLOSED', message, options);
  }
}

/** `ctx.receive({ timeout })` elapsed with no matching message. */
export class ReceiveTimeoutError extends WactorError {
  readonly timeout: number;
  constructor(timeout: number) {
    super('WACTOR_ERR_RECEIVE_TIMEOUT', `receive timed out after ${timeout} ms`);
    this.timeout = timeout;
  }
}

/** An operation that only a receive-loop process (or only a live process) may perform. */
export class ProcessStateError extends WactorError {
  constructor(message: string) {
    super('WACTOR_ERR_PROCESS_STATE', message);
  }
}

/** A value that must cross a thread, node or Wasm boundary cannot be encoded. */
export class EncodeError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_ENCODE', message, options);
  }
}

/** The wire form of an error. */
export interface SerializedError {
  readonly code: string;
  readonly message: string;
}

/** Turn any thrown value into `{ code, message }` for a thread or network boundary. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof WactorError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'WACTOR_ERR_REMOTE', message: `${err.name}: ${err.message}` };
  return { code: 'WACTOR_ERR_REMOTE', message: String(err) };
}

/** Rebuild an error that crossed a boundary; `code` survives, the class is the base class. */
export function deserializeError(wire: SerializedError): WactorError {
  return new WactorError(wire.code, wire.message);
}
