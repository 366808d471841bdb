/**
 * A loaded guest module: validated once, compiled once, and the pool of instances its actors
 * run in. `isolated` mode gives every actor its own instance; instances whose actor ended
 * normally go back to an idle pool (up to `pool`) and host the next actor, and memories of
 * discarded instances are zeroed and reused, so spawn/exit churn rarely pays for a fresh
 * instantiation. `shared` mode packs up to `actorsPerInstance` actors into one instance.
 */

import { InvalidArgumentError } from '../runtime/errors.js';
import { describe } from '../runtime/pid.js';
import {
  EARLIER_EXPORTS,
  formatSignature,
  HOST_IMPORTS,
  MEMORY_IMPORT,
  OPTIONAL_EXPORTS,
  REQUIRED_EXPORTS,
  type Signature,
} from './abi.js';
import { WasmActor } from './actor.js';
import type { ModuleShape } from './binary.js';
import { type Capabilities, type Grants, type Profile, resolveCapabilities } from './capabilities.js';
import {
  WasmBadExportError,
  WasmBadImportError,
  WasmForbiddenImportError,
  WasmInstantiateError,
  WasmMissingExportError,
} from './errors.js';
import type { WasmHost } from './host.js';
import { createImports } from './imports.js';
import { WasmInstance } from './instance.js';
import { type WasmCompiledModule, type WasmMemory, wasm } from './wasm-types.js';

/** Zeroed memories kept per module for fresh instantiations. */
const MEMORY_POOL = 64;

/** How a module's actors map onto instances. */
export type HostingMode = 'isolated' | 'shared';

/**
 * Options for `host.load`.
 *
 * @example
 * await host.load('counter', 'assembly/build/counter.wasm', { mode: 'shared', actorsPerInstance: 100_000 });
 */
export interface LoadOptions {
  /** `isolated` (default): an instance per actor. `shared`: many actors per instance. */
  readonly mode?: HostingMode;
  /** Capability preset; default `sandboxed`. */
  readonly profile?: Profile;
  /** Capabilities on top of the profile. */
  readonly grants?: Grants;
  /** Isolated mode: idle instances kept for reuse (0 = a fresh instance per actor). Default 64. */
  readonly pool?: number;
  /** Shared mode: actors per instance, which bounds a trap's blast radius. Default 65536. */
  readonly actorsPerInstance?: number;
}

/** Counters of one module (monotonic except `live`, `instances`, `idle`). */
export interface WasmModuleStats {
  spawned: number;
  live: number;
  trapped: number;
  instancesCreated: number;
  instances: number;
  idle: number;
  undeliverable: number;
  /** Bytes of linear memory of this module's instances (filled in by `host.stats()`). */
  memoryBytes: number;
  denied: Record<string, number>;
}

export class WasmModule {
  readonly name: string;
  readonly compiled: WasmCompiledModule;
  readonly host: WasmHost;
  readonly caps: Capabilities;
  readonly mode: HostingMode;
  readonly pool: number;
  readonly actorsPerInstance: number;
  readonly minPages: number;
  /** The import functions shared by every instance of this module. */
  readonly imports: ReturnType<typeof createImports>;
  /** The instance whose export is running (the import functions act on it); see instance.ts. */
  active: WasmInstance | undefined = undefined;
  /** The spawn options of a plain `host.spawn(name)`, allocated once. */
  readonly spawnOptions: { readonly label: string };
  readonly stats: WasmModuleStats = {
    spawned: 0,
    live: 0,
    trapped: 0,
    instancesCreated: 0,
    instances: 0,
    idle: 0,
    undeliverable: 0,
    memoryBytes: 0,
    denied: {},
  };
  /** Every instance not yet discarded (for memory accounting). */
  readonly #instances = new Set<WasmInstance>();
  /** Isolated: instances whose actor ended cleanly, ready for the next one. */
  readonly #idle: WasmInstance[] = [];
  /** Zeroed memories of discarded instances (never grown), for fresh instantiations. */
  readonly #memories: WasmMemory[] = [];
  /** Shared: the instance new actors go to, and others with room. */
  #open: WasmInstance | undefined = undefined;
  readonly #roomy: WasmInstance[] = [];

  constructor(
    host: WasmHost,
    name: string,
    compiled: WasmCompiledModule,
    shape: ModuleShape,
    options: LoadOptions,
  ) {
    this.host = host;
    this.name = name;
    this.spawnOptions = Object.freeze({ label: name });
    this.compiled = compiled;
    const what = `load('${name}') options`;
    this.caps = resolveCapabilities(options.profile, options.grants, what);
    const mode = options.mode ?? 'isolated';
    if (mode !== 'isolated' && mode !== 'shared') {
      throw new InvalidArgumentError(`${what}.mode must be 'isolated' or 'shared', got ${describe(mode)}`);
    }
    this.mode = mode;
    this.pool = intOption(options.pool, 64, 0, `${what}.pool`);
    this.actorsPerInstance = intOption(options.actorsPerInstance, 65536, 1, `${what}.actorsPerInstance`);
    this.minPages = validateShape(name, shape, this.caps);
    this.imports = createImports(this);
    // Instantiate once now: the start function and the ABI handshake fail at load, not at the
    // first spawn. The instance is kept for the first actor.
    const first = this.#instantiate();
    if (mode === 'isolated') this.#toIdle(first);
    else this.#open = first;
  }

  // ---- instances ------------------------------------------------------------------------------

  #instantiate(): WasmInstance {
    const memory =
      this.#memories.pop() ?? new wasm.Memory({ initial: this.minPages, maximum: this.caps.maxMemoryPages });
    const inst = new WasmInstance(this, memory);
    try {
      inst.start(this.host.inboxBytes);
    } catch (err) {
      throw new WasmInstantiateError(
        this.name,
        `instantiation failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    this.stats.instancesCreated++;
    this.stats.instances++;
    this.#instances.add(inst);
    return inst;
  }

  #toIdle(inst: WasmInstance): void {
    this.#idle.push(inst);
    this.stats.idle = this.#idle.length;
  }

  #discard(inst: WasmInstance): void {
    this.stats.instances--;
    this.#instances.delete(inst);
    // Zeroed memories carry nothing of the previous actor, so they are pooled even when
    // instances are not (pool 0): a fresh instance on a reused memory is ~4x cheaper.
    if (this.#memories.length < MEMORY_POOL) {
      const memory = inst.recyclableMemory();
      if (memory !== undefined) this.#memories.push(memory);
    }
  }

  /** Create the actor object for a new spawn, attached to an instance (may instantiate). */
  newActor(args: Uint8Array | string | undefined): WasmActor {
    let inst: WasmInstance;
    if (this.mode === 'isolated') {
      inst = this.#idle.pop() ?? this.#instantiate();
      this.stats.idle = this.#idle.length;
    } else {
      inst = this.#sharedInstance();
    }
    const actor = new WasmActor(this, inst, args);
    actor.slot = inst.takeSlot(actor);
    this.stats.spawned++;
    this.stats.live++;
    return actor;
  }

  #sharedInstance(): WasmInstance {
    const open = this.#open;
    if (open !== undefined && open.dead === undefined && open.live < this.actorsPerInstance) return open;
    let next: WasmInstance | undefined;
    while ((next = this.#roomy.pop()) !== undefined) {
      if (next.dead === undefined && next.live < this.actorsPerInstance) break;
    }
    this.#open = next ?? this.#instantiate();
    return this.#open;
  }

  /** An actor of `inst` ended and its slot is free (called by the instance). */
  released(inst: WasmInstance): void {
    this.stats.live--;
    if (this.mode === 'isolated') {
      if (inst.dead === undefined && this.#idle.length < this.pool) this.#toIdle(inst);
      else this.#discard(inst);
    } else if (inst.dead === undefined) {
      // It just got room again: make it a candidate for new actors.
      if (inst !== this.#open && inst.live === this.actorsPerInstance - 1) this.#roomy.push(inst);
    } else if (inst.live === 0) {
      this.#discard(inst);
    }
  }

  /** `inst` trapped (called by the instance, once). */
  trapped(inst: WasmInstance): void {
    this.stats.trapped++;
    if (this.#open === inst) this.#open = undefined;
  }

  /** Bytes of linear memory held by this module's instances. */
  memoryBytes(): number {
    let total = 0;
    for (const inst of this.#instances) total += inst.memory.buffer.byteLength;
    return total;
  }

  /** Drop pooled instances and memories (after `unload`/`close`). */
  drain(): void {
    for (const inst of this.#idle) this.#discard(inst);
    this.#idle.length = 0;
    this.#memories.length = 0;
    this.stats.idle = 0;
  }
}

function intOption(value: unknown, fallback: number, min: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

const sameSignature = (a: Signature, b: Signature): boolean =>
  a.params.join() === b.params.join() && a.results.join() === b.results.join();

/** Check imports and exports against the ABI; returns the memory's minimum pages. */
function validateShape(name: string, shape: ModuleShape, caps: Capabilities): number {
  let minPages: number | undefined;
  for (const imp of shape.imports) {
    const key = `${imp.module}.${imp.name}`;
    if (key === MEMORY_IMPORT) {
      if (imp.kind !== 'memory' || imp.limits === undefined) {
        throw new WasmBadImportError(name, `import ${key} must be a memory, but it is a ${imp.kind}`);
      }
      const { minimum, maximum, shared, memory64 } = imp.limits;
      if (shared || memory64) {
        throw new WasmBadImportError(name, `import ${key} must be a plain 32-bit non-shared memory`);
      }
      if (minimum > caps.maxMemoryPages) {
        throw new WasmBadImportError(
          name,
          `its memory needs at least ${minimum} pages but maxMemoryPages is ${caps.maxMemoryPages}`,
        );
      }
      if (maximum !== undefined && maximum < caps.maxMemoryPages) {
        throw new WasmBadImportError(
          name,
          `its memory import declares maximum ${maximum} pages, below the granted maxMemoryPages ${caps.maxMemoryPages}; build without --maximumMemory or lower the grant`,
        );
      }
      minPages = minimum;
      continue;
    }
    const spec = HOST_IMPORTS[key];
    if (spec === undefined) {
      throw new WasmForbiddenImportError(
        name,
        `import ${key} (${imp.kind}) is not offered by the host; guests may import only env.memory, env.abort, env.trace, env.seed and the wactor.* functions of docs/abi.md`,
      );
    }
    if (imp.kind !== 'function' || imp.signature === undefined) {
      throw new WasmBadImportError(name, `import ${key} must be a function, but it is a ${imp.kind}`);
    }
    if (!sameSignature(imp.signature, spec.signature)) {
      throw new WasmBadImportError(
        name,
        `import ${key} has type ${formatSignature(imp.signature)}, expected ${formatSignature(spec.signature)}`,
      );
    }
  }
  if (minPages === undefined) {
    throw new WasmBadImportError(
      name,
      `it must import its memory as ${MEMORY_IMPORT} so the host can cap it (AssemblyScript: --importMemory)`,
    );
  }
  const exports = new Map(shape.exports.map((e) => [e.name, e]));
  for (const [exportName, expected] of Object.entries(REQUIRED_EXPORTS)) {
    const e = exports.get(exportName);
    if (e === undefined) {
      throw new WasmMissingExportError(
        name,
        `it does not export ${exportName}: ${formatSignature(expected)} (an AssemblyScript actor re-exports the SDK: export * from '../sdk/exports')`,
      );
    }
    if (e.kind !== 'function' || e.signature === undefined) {
      throw new WasmBadExportError(name, `export ${exportName} must be a function, but it is a ${e.kind}`);
    }
    const sig = e.signature;
    if (!sameSignature(sig, expected) && !EARLIER_EXPORTS[exportName]?.some((s) => sameSignature(sig, s))) {
      const accepted = [expected, ...(EARLIER_EXPORTS[exportName] ?? [])].map(formatSignature).join(' or ');
      throw new WasmBadExportError(
        name,
        `export ${exportName} has type ${formatSignature(sig)}, expected ${accepted}`,
      );
    }
  }
  for (const [exportName, expected] of Object.entries(OPTIONAL_EXPORTS)) {
    const e = exports.get(exportName);
    if (e === undefined) continue;
    if (e.kind !== 'function' || e.signature === undefined || !sameSignature(e.signature, expected)) {
      throw new WasmBadExportError(
        name,
        `optional export ${exportName} must be a function ${formatSignature(expected)}, but it is ${e.signature === undefined ? `a ${e.kind}` : formatSignature(e.signature)}`,
      );
    }
  }
  return minPages;
}
