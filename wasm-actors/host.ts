/**
 * The Wasm host: loads guest modules, validates them against the ABI, and spawns their actors as
 * processes of any {@link LocalNode} — a `Runtime` here, a shard's runtime inside a worker later.
 * A Wasm actor is an ordinary handler process, so links, monitors, names and supervisors apply.
 */

import { readFile } from 'node:fs/promises';
import { type Clock, SystemClock } from '../runtime/clock.js';
import { ClosedError, InvalidArgumentError } from '../runtime/errors.js';
import type { KillListener } from '../runtime/exit-listeners.js';
import { consoleLogger, type Logger } from '../runtime/logger.js';
import { describe } from '../runtime/pid.js';
import type { ExitReason, LocalNode, Pid, SpawnOptions } from '../runtime/types.js';
import type { Capability } from './abi.js';
import { WasmActor } from './actor.js';
import { readModuleShape } from './binary.js';
import { WasmInvalidModuleError, WasmModuleExistsError, WasmUnknownModuleError } from './errors.js';
import type { GuestJobRequest, JobStart } from './job-result.js';
import { type LoadOptions, WasmModule, type WasmModuleStats } from './module.js';
import { type WasmCompiledModule, wasm } from './wasm-types.js';

/** A node the host can run on: the local-node interface, plus exit events if it has them. */
export type HostNode = LocalNode & {
  readonly clock?: Clock;
  /** `killed` processes (their `terminate` does not run): how a killed actor's guest state is freed. */
  on?(event: 'kill', listener: KillListener): () => void;
  /**
   * The behaviour a live process on this thread was spawned with: how the host tells its own
   * actors' pids (the local fast path for guest-to-guest messages) without a table of its own.
   * A node without it gets no local fast path (every guest message is copied through `send`).
   */
  _behaviourOf?(pid: Pid): unknown;
  /**
   * Start a one-off job registered by name for a guest's `run_job` (a Scheduler's shards offer
   * it); the outcome reaches `request.replyTo` later as a job-result message (job-result.ts).
   * A node without it answers guests with NOPROC.
   */
  runJob?(request: GuestJobRequest): JobStart;
};

export interface WasmHostOptions {
  /** Where guest `log` output and host warnings go. Default: stderr (errors and warnings). */
  readonly logger?: Logger;
  /** The clock for `now()` and timer bookkeeping. Default: the node's `clock`, else the system clock. */
  readonly clock?: Clock;
  /** Largest message a guest may send (bytes). Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Inbox size requested from each new instance (bytes). Default 4096. */
  readonly inboxBytes?: number;
  /** Pending `send_after` timers per actor. Default 1024. */
  readonly maxTimers?: number;
}

/** Host-wide counters. */
export interface WasmHostStats {
  readonly modules: Readonly<Record<string, Readonly<WasmModuleStats>>>;
  /** Denied calls, total and per capability. */
  readonly denied: { readonly total: number; readonly byCapability: Readonly<Record<string, number>> };
  /** Live Wasm actors on this host. */
  readonly actors: number;
}

/** What `load` returns. */
export interface WasmModuleInfo {
  readonly name: string;
  readonly mode: 'isolated' | 'shared';
  readonly minPages: number;
  readonly maxMemoryPages: number;
}

/**
 * Runs WebAssembly actors on a node.
 *
 * @example
 * import { Runtime } from 'wactor';
 * import { WasmHost, wasmRequest } from 'wactor/wasm-actors';
 * const rt = new Runtime();
 * const host = new WasmHost(rt);
 * await host.load('echo', 'assembly/build/echo.wasm');
 * const echo = host.spawn('echo');
 * rt.send(echo, wasmRequest(clientPid, 'hello')); // clientPid receives the bytes of 'hello'
 */
export class WasmHost {
  readonly node: HostNode;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly maxMessageBytes: number;
  readonly inboxBytes: number;
  readonly maxTimers: number;
  readonly #modules = new Map<string, WasmModule>();
  /**
   * Live actors. No pid table of its own: the node's process table holds each actor as its
   * process's behaviour (see `isLocal`); a set and delete per spawn in a second table cost
   * 8–29% of shared-mode spawn churn (docs/benchmarks.md, "Session 5 (issue 3)").
   */
  #live = 0;
  readonly #denied: Record<string, number> = {};
  #deniedTotal = 0;
  #timerSeq = 0;
  #jobSeq = 0;
  #closed: Promise<void> | undefined = undefined;
  readonly #unsubscribe: (() => void) | undefined;

  constructor(node: HostNode, options: WasmHostOptions = {}) {
    if (node === null || typeof node !== 'object' || typeof node.spawn !== 'function') {
      throw new InvalidArgumentError(
        `WasmHost: node must be a LocalNode (a Runtime or Scheduler), got ${describe(node)}`,
      );
    }
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`WasmHost: options must be an object, got ${describe(options)}`);
    }
    this.node = node;
    this.logger = options.logger ?? consoleLogger;
    this.clock = options.clock ?? node.clock ?? new SystemClock();
    this.maxMessageBytes = positiveInt(options.maxMessageBytes, 16 * 1024 * 1024, 'options.maxMessageBytes');
    this.inboxBytes = positiveInt(options.inboxBytes, 4096, 'options.inboxBytes');
    this.maxTimers = positiveInt(options.maxTimers, 1024, 'options.maxTimers');
    // A killed process gets no `terminate`; the kill event is how its guest state is freed (a
    // `kill` listener, not an `exit` one: that would run on every exit, ~4–6% of spawn churn).
    this.#unsubscribe =
      typeof node.on === 'function'
        ? node.on('kill', (_pid, reason, _error, behaviour) => {
            if (behaviour instanceof WasmActor && behaviour.module.host === this)
              this.ended(behaviour, reason);
          })
        : undefined;
  }

  /**
   * Load a module from bytes or a file path, validate it against the ABI and register it under
   * `name`. Rejects with a {@link WasmLoadError} subclass naming the module and the problem.
   *
   * @example
   * await host.load('counter', 'assembly/build/counter.wasm', { mode: 'shared' });
   */
  async load(
    name: string,
    source: Uint8Array | ArrayBuffer | string | URL,
    options: LoadOptions = {},
  ): Promise<WasmModuleInfo> {
    this.#checkLoad(name, options);
    let bytes: Uint8Array;
    if (typeof source === 'string' || source instanceof URL) {
      try {
        bytes = new Uint8Array(await readFile(source));
      } catch (err) {
        throw new WasmInvalidModuleError(name, `cannot read ${String(source)}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    } else {
      bytes = toUint8(name, source);
    }
    let compiled: WasmCompiledModule;
    const shape = shapeOf(name, bytes);
    try {
      compiled = await wasm.compile(bytes);
    } catch (err) {
      throw notWasm(name, err);
    }
    return this.#register(name, compiled, shape, options);
  }

  /**
   * Synchronous {@link load} from bytes (compiles on the calling thread).
   *
   * @example
   * host.loadSync('echo', readFileSync('assembly/build/echo.wasm'));
   */
  loadSync(name: string, source: Uint8Array | ArrayBuffer, options: LoadOptions = {}): WasmModuleInfo {
    this.#checkLoad(name, options);
    const bytes = toUint8(name, source);
    const shape = shapeOf(name, bytes);
    let compiled: WasmCompiledModule;
    try {
      compiled = new wasm.Module(bytes);
    } catch (err) {
      throw notWasm(name, err);
    }
    return this.#register(name, compiled, shape, options);
  }

  #checkLoad(name: unknown, options: unknown): asserts name is string {
    if (this.#closed !== undefined) throw new ClosedError('WasmHost.load: the host is closed');
    // Guests name modules in `spawn` with at most 255 bytes; a longer name (e.g. a file URL) can
    // still be loaded and spawned from JS.
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError(`load: name must be a non-empty string, got ${describe(name)}`);
    }
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`load('${name}'): options must be an object, got ${describe(options)}`);
    }
    // Before reading and compiling, which a taken name would waste; #register checks again
    // because two async loads of one name can both pass here.
    if (this.#modules.has(name)) throw new WasmModuleExistsError(name);
  }

  #register(
    name: string,
    compiled: WasmCompiledModule,
    shape: ReturnType<typeof readModuleShape>,
    options: LoadOptions,
  ): WasmModuleInfo {
    if (this.#modules.has(name)) throw new WasmModuleExistsError(name);
    const mod = new WasmModule(this, name, compiled, shape, options);
    this.#modules.set(name, mod);
    return { name, mode: mod.mode, minPages: mod.minPages, maxMemoryPages: mod.caps.maxMemoryPages };
  }

  /** True if a module of that name is loaded. */
  has(name: string): boolean {
    return this.#modules.has(name);
  }

  /** Names of the loaded modules. */
  modules(): string[] {
    return [...this.#modules.keys()];
  }

  /**
   * Forget a module: no new spawns; its running actors keep running. False if unknown.
   *
   * @example
   * host.unload('counter');
   */
  unload(name: string): boolean {
    const mod = this.#modules.get(name);
    if (mod === undefined) return false;
    this.#modules.delete(name);
    mod.drain();
    return true;
  }

  /**
   * Spawn an actor of a loaded module as a process on the node; returns its pid. The arguments
   * reach the guest's `init`. Throws {@link WasmUnknownModuleError} for an unknown module and a
   * `WasmInstantiateError` if a fresh instance is needed and cannot be created.
   *
   * @example
   * const counter = host.spawn('counter', '41');
   * rt.send(counter, 'inc');
   */
  spawn(name: string, args?: Uint8Array | string, options?: SpawnOptions): Pid {
    if (this.#closed !== undefined) throw new ClosedError('WasmHost.spawn: the host is closed');
    const mod = this.#modules.get(name);
    if (mod === undefined) throw new WasmUnknownModuleError(String(name), this.modules());
    if (args !== undefined && typeof args !== 'string' && !(args instanceof Uint8Array)) {
      throw new InvalidArgumentError(
        `spawn('${name}'): args must be a Uint8Array or a string, got ${describe(args)}`,
      );
    }
    const actor = mod.newActor(args);
    let pid: Pid;
    try {
      pid = this.node.spawn(actor, options === undefined ? mod.spawnOptions : { label: name, ...options });
    } catch (err) {
      actor.ended = true;
      actor.inst.stop(actor, 'noproc');
      throw err;
    }
    actor.pid = pid;
    this.#live++;
    return pid;
  }

  /** The actor ended (terminate, or the `killed` exit event): free its timers, slot, instance. */
  ended(actor: WasmActor, reason: ExitReason): void {
    if (actor.ended) return;
    actor.ended = true;
    this.#live--;
    actor.cancelTimers();
    actor.inst.stop(actor, reason);
  }

  /** True if `pid` is a live Wasm actor of this host (the local fast path may be used). */
  isLocal(pid: Pid): boolean {
    const h = this.node._behaviourOf?.(pid);
    return h instanceof WasmActor && h.module.host === this && !h.ended;
  }

  countDenied(mod: WasmModule, cap: Capability): void {
    this.#deniedTotal++;
    this.#denied[cap] = (this.#denied[cap] ?? 0) + 1;
    mod.stats.denied[cap] = (mod.stats.denied[cap] ?? 0) + 1;
  }

  nextTimerId(): number {
    return ++this.#timerSeq;
  }

  nextJobId(): number {
    return ++this.#jobSeq;
  }

  /** Counters per module and host-wide. */
  stats(): WasmHostStats {
    const modules: Record<string, WasmModuleStats> = {};
    for (const [name, mod] of this.#modules)
      modules[name] = { ...mod.stats, memoryBytes: mod.memoryBytes(), denied: { ...mod.stats.denied } };
    return {
      modules,
      denied: { total: this.#deniedTotal, byCapability: { ...this.#denied } },
      actors: this.#live,
    };
  }

  /**
   * Refuse new loads and spawns and drop pooled instances. Running actors are the node's: stop
   * them with the node (`rt.shutdown()`). Idempotent; every call returns the same promise.
   *
   * @example
   * await host.close();
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#unsubscribe?.();
      for (const mod of this.#modules.values()) mod.drain();
      this.#closed = Promise.resolve();
    }
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function positiveInt(value: unknown, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`WasmHost: ${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

function toUint8(name: string, source: unknown): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new InvalidArgumentError(
    `load('${name}'): source must be a Uint8Array, an ArrayBuffer or a file path, got ${describe(source)}`,
  );
}

function shapeOf(name: string, bytes: Uint8Array): ReturnType<typeof readModuleShape> {
  try {
    return readModuleShape(bytes);
  } catch (err) {
    throw notWasm(name, err);
  }
}

/** The load error for bytes that the shape reader or the engine's compiler rejected. */
function notWasm(name: string, err: unknown): WasmInvalidModuleError {
  const why = err instanceof Error ? err.message : String(err);
  return new WasmInvalidModuleError(name, `not valid WebAssembly: ${why}`, { cause: err });
}
