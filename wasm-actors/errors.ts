import { WactorError } from '../runtime/errors.js';
import type { Pid } from '../runtime/types.js';

/**
 * A module could not be loaded: the bytes are not WebAssembly, an export the ABI needs is missing
 * or has the wrong type, an import is forbidden or mistyped, or its memory does not fit the cap.
 * `module` names the module; the message says what is wrong.
 *
 * @example
 * try { await host.load('bad', bytes); } catch (err) {
 *   if (err instanceof WasmLoadError) console.error(err.code, err.message);
 * }
 */
export class WasmLoadError extends WactorError {
  readonly module: string;
  constructor(code: string, module: string, message: string, options?: { cause?: unknown }) {
    super(code, `cannot load wasm module '${module}': ${message}`, options);
    this.module = module;
  }
}

/** The bytes are not a valid WebAssembly module (or could not be read). */
export class WasmInvalidModuleError extends WasmLoadError {
  constructor(module: string, message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_WASM_INVALID_MODULE', module, message, options);
  }
}

/** An export the ABI requires is absent. */
export class WasmMissingExportError extends WasmLoadError {
  constructor(module: string, message: string) {
    super('WACTOR_ERR_WASM_MISSING_EXPORT', module, message);
  }
}

/** An export the ABI requires has the wrong kind or signature. */
export class WasmBadExportError extends WasmLoadError {
  constructor(module: string, message: string) {
    super('WACTOR_ERR_WASM_BAD_EXPORT', module, message);
  }
}

/** The module imports something the host does not offer. */
export class WasmForbiddenImportError extends WasmLoadError {
  constructor(module: string, message: string) {
    super('WACTOR_ERR_WASM_FORBIDDEN_IMPORT', module, message);
  }
}

/** The module imports a host function or memory with the wrong type. */
export class WasmBadImportError extends WasmLoadError {
  constructor(module: string, message: string) {
    super('WACTOR_ERR_WASM_BAD_IMPORT', module, message);
  }
}

/** Instantiating the module failed (its start function trapped, or the ABI version is wrong). */
export class WasmInstantiateError extends WasmLoadError {
  constructor(module: string, message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_WASM_INSTANTIATE', module, message, options);
  }
}

/** `spawn` or `unload` named a module the host has not loaded. */
export class WasmUnknownModuleError extends WactorError {
  readonly module: string;
  constructor(module: string, known: readonly string[]) {
    super(
      'WACTOR_ERR_WASM_UNKNOWN_MODULE',
      `no wasm module named '${module}' is loaded (loaded: ${known.length === 0 ? 'none' : known.join(', ')})`,
    );
    this.module = module;
  }
}

/** `load` used a name that is already taken. */
export class WasmModuleExistsError extends WactorError {
  readonly module: string;
  constructor(module: string) {
    super('WACTOR_ERR_WASM_MODULE_EXISTS', `a wasm module named '${module}' is already loaded`);
    this.module = module;
  }
}

/**
 * A guest trapped (unreachable, out-of-bounds access, division by zero, stack overflow, abort,
 * memory cap, or a bad pointer handed to an import). It is the `error` of the `crashed` exit.
 * In shared mode the other actors of the instance end with one too (`trappedPid` names the
 * actor whose call trapped).
 *
 * @example
 * rt.spawn({ receive(msg: DownMessage) {
 *   if (msg.error instanceof WasmTrapError) console.log(msg.pid, 'trapped:', msg.error.trap);
 * } });
 */
export class WasmTrapError extends WactorError {
  readonly module: string;
  readonly pid: Pid;
  readonly trappedPid: Pid;
  readonly trap: string;
  constructor(module: string, pid: Pid, trappedPid: Pid, trap: string, options?: { cause?: unknown }) {
    super(
      'WACTOR_ERR_WASM_TRAP',
      pid === trappedPid
        ? `wasm module '${module}' trapped in pid ${pid}: ${trap}`
        : `wasm module '${module}': pid ${pid} ended because pid ${trappedPid} trapped in the shared instance: ${trap}`,
      options,
    );
    this.module = module;
    this.pid = pid;
    this.trappedPid = trappedPid;
    this.trap = trap;
  }
}

/** A fault raised inside a host import (bad pointer, abort): becomes a {@link WasmTrapError}. */
export class GuestFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuestFault';
  }
}
