/**
 * The ABI tables of docs/abi.md: return codes, the exports a guest must provide and the imports
 * the host offers, with their WebAssembly signatures. The loader validates modules against these.
 */

/** Return codes of the host imports (negative values; pid-returning imports return them as f64). */
export const OK = 0;
export const DENIED = -1;
export const NOPROC = -2;
export const BADARG = -3;
export const REFUSED = -4;
export const TAKEN = -5;
export const NO_REQUEST = -6;
export const NO_MODULE = -7;
export const TOO_LARGE = -8;
export const FAILED = -9;
export const LIMIT = -10;

/** The ABI version this host implements (`wactor_abi()` must return it). */
export const ABI_VERSION = 1;

/** `wactor_signal` kinds. */
export const SIGNAL_DOWN = 1;
export const SIGNAL_EXIT = 2;

/** `spawn` flags. */
export const SPAWN_LINK = 1;

/** A function signature: parameter and result value types. */
export interface Signature {
  readonly params: readonly string[];
  readonly results: readonly string[];
}

const sig = (params: string, results = ''): Signature => ({
  params: params === '' ? [] : params.split(' '),
  results: results === '' ? [] : results.split(' '),
});

/** Render a signature the way docs/abi.md writes it: `(i32, i32) -> void`. */
export function formatSignature(s: Signature): string {
  return `(${s.params.join(', ')}) -> ${s.results.length === 0 ? 'void' : s.results.join(', ')}`;
}

/** Exports every guest must provide. */
export const REQUIRED_EXPORTS: Readonly<Record<string, Signature>> = {
  wactor_abi: sig('', 'i32'),
  wactor_inbox: sig('i32', 'i32'),
  wactor_init: sig('i32 i32 f64'),
  wactor_receive: sig('i32 i32'),
  wactor_signal: sig('i32 i32 f64 f64 i32 i32'),
  wactor_stop: sig('i32 i32'),
};

/**
 * Earlier signatures of required exports that are still accepted. Guests built before
 * `wactor_init` took the actor's pid export `(i32, i32) -> void`; the host passes the pid
 * anyway, and a Wasm function ignores arguments beyond its parameters.
 */
export const EARLIER_EXPORTS: Readonly<Record<string, readonly Signature[]>> = {
  wactor_init: [sig('i32 i32')],
};

/**
 * Exports a guest may provide. `__collect` marks a guest whose garbage collector the host drives
 * (AssemblyScript's `minimal` runtime with `--exportRuntime`): the host calls it between
 * top-level calls, when no guest frame is on the stack.
 */
export const OPTIONAL_EXPORTS: Readonly<Record<string, Signature>> = {
  __collect: sig(''),
};

/** Capability a host import needs; `undefined` = always allowed. */
export type Capability = 'spawn' | 'control' | 'timers' | 'log' | 'jobs';

export interface ImportSpec {
  readonly signature: Signature;
  readonly capability?: Capability;
}

/** Function imports the host offers, by `module.name`. (`env.memory` is checked separately.) */
export const HOST_IMPORTS: Readonly<Record<string, ImportSpec>> = {
  'env.abort': { signature: sig('i32 i32 i32 i32') },
  'env.trace': { signature: sig('i32 i32 f64 f64 f64 f64 f64'), capability: 'log' },
  'env.seed': { signature: sig('', 'f64') },
  'wactor.self': { signature: sig('', 'f64') },
  'wactor.send': { signature: sig('f64 i32 i32', 'i32') },
  'wactor.send_named': { signature: sig('i32 i32 i32 i32', 'i32') },
  'wactor.request': { signature: sig('f64 i32 i32', 'i32') },
  'wactor.reply': { signature: sig('i32 i32', 'i32') },
  'wactor.sender': { signature: sig('', 'f64') },
  'wactor.register': { signature: sig('i32 i32', 'i32') },
  'wactor.unregister': { signature: sig('i32 i32', 'i32') },
  'wactor.whereis': { signature: sig('i32 i32', 'f64') },
  'wactor.spawn': { signature: sig('i32 i32 i32 i32 i32', 'f64'), capability: 'spawn' },
  'wactor.link': { signature: sig('f64', 'i32'), capability: 'control' },
  'wactor.unlink': { signature: sig('f64', 'i32'), capability: 'control' },
  'wactor.monitor': { signature: sig('f64', 'f64'), capability: 'control' },
  'wactor.demonitor': { signature: sig('f64', 'i32'), capability: 'control' },
  'wactor.trap_exit': { signature: sig('i32', 'i32'), capability: 'control' },
  'wactor.exit': { signature: sig('i32 i32') },
  'wactor.exit_signal': { signature: sig('f64 i32 i32', 'i32'), capability: 'control' },
  'wactor.send_after': { signature: sig('f64 f64 i32 i32', 'f64'), capability: 'timers' },
  'wactor.cancel_timer': { signature: sig('f64', 'i32'), capability: 'timers' },
  'wactor.log': { signature: sig('i32 i32 i32', 'i32'), capability: 'log' },
  'wactor.now': { signature: sig('', 'f64') },
  'wactor.random': { signature: sig('i32 i32', 'i32') },
  // Optional like every import: a guest that does not import it loads as before (ABI stays 1).
  'wactor.run_job': { signature: sig('i32 i32 i32 i32 f64', 'f64'), capability: 'jobs' },
};

/** The memory import every guest must declare. */
export const MEMORY_IMPORT = 'env.memory';

export const PAGE_BYTES = 65536;
