/**
 * Capabilities, default deny. A module gets a profile (`sandboxed` unless told otherwise) and
 * optional grants on top. A call the capabilities do not allow returns `DENIED` and is counted;
 * it never throws into the host.
 */
import { InvalidArgumentError } from '../runtime/errors.js';
import { describe } from '../runtime/pid.js';
import { PAGE_BYTES } from './abi.js';

/** Named capability presets. */
export type Profile = 'sandboxed' | 'trusted';

/**
 * What a module may do beyond messaging and naming itself.
 *
 * @example
 * host.load('worker', bytes, { profile: 'sandboxed', grants: { timers: true, spawn: ['echo'] } });
 */
export interface Grants {
  /** Spawn modules registered with the host: `true` for any, or a list of module names. */
  readonly spawn?: boolean | readonly string[];
  /** Process control: link, unlink, monitor, demonitor, trap_exit, exit_signal, unregister others' names. */
  readonly control?: boolean;
  /** `send_after` / `cancel_timer`. */
  readonly timers?: boolean;
  /** `log` and AssemblyScript `trace` (to the host's logger). */
  readonly log?: boolean;
  /** `run_job`: start one-off jobs the node registered by name (a Scheduler's pool). */
  readonly jobs?: boolean;
  /** Maximum linear memory in 64 KiB pages (growth past it traps the guest). */
  readonly maxMemoryPages?: number;
}

/** The resolved capabilities of a module. */
export interface Capabilities {
  readonly spawn: boolean | ReadonlySet<string>;
  readonly control: boolean;
  readonly timers: boolean;
  readonly log: boolean;
  readonly jobs: boolean;
  readonly maxMemoryPages: number;
}

/** The largest memory a 32-bit guest can address. */
export const MAX_PAGES = 65536;

const PROFILES: Readonly<Record<Profile, Capabilities>> = {
  // May message, register itself, look names up, read the clock and randomness. Nothing else.
  sandboxed: { spawn: false, control: false, timers: false, log: false, jobs: false, maxMemoryPages: 256 },
  trusted: { spawn: true, control: true, timers: true, log: true, jobs: true, maxMemoryPages: 16384 },
};

/** Resolve a profile plus grants, validating both; `what` prefixes error messages. */
export function resolveCapabilities(profile: unknown, grants: unknown, what: string): Capabilities {
  const p = profile ?? 'sandboxed';
  if (p !== 'sandboxed' && p !== 'trusted') {
    throw new InvalidArgumentError(`${what}.profile must be 'sandboxed' or 'trusted', got ${describe(p)}`);
  }
  const base = PROFILES[p];
  if (grants === undefined) return base;
  if (grants === null || typeof grants !== 'object' || Array.isArray(grants)) {
    throw new InvalidArgumentError(`${what}.grants must be an object, got ${describe(grants)}`);
  }
  const g = grants as Record<string, unknown>;
  for (const key of Object.keys(g)) {
    if (!['spawn', 'control', 'timers', 'log', 'jobs', 'maxMemoryPages'].includes(key)) {
      throw new InvalidArgumentError(
        `${what}.grants.${key} is not a capability (spawn, control, timers, log, jobs, maxMemoryPages)`,
      );
    }
  }
  let spawn = base.spawn;
  if (g.spawn !== undefined) {
    if (typeof g.spawn === 'boolean') spawn = g.spawn;
    else if (Array.isArray(g.spawn) && g.spawn.every((s) => typeof s === 'string' && s.length > 0)) {
      spawn = new Set(g.spawn as string[]);
    } else {
      throw new InvalidArgumentError(
        `${what}.grants.spawn must be a boolean or an array of module names, got ${describe(g.spawn)}`,
      );
    }
  }
  const flag = (key: 'control' | 'timers' | 'log' | 'jobs'): boolean => {
    const v = g[key];
    if (v === undefined) return base[key];
    if (typeof v !== 'boolean') {
      throw new InvalidArgumentError(`${what}.grants.${key} must be a boolean, got ${describe(v)}`);
    }
    return v;
  };
  let maxMemoryPages = base.maxMemoryPages;
  if (g.maxMemoryPages !== undefined) {
    const m = g.maxMemoryPages;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > MAX_PAGES) {
      throw new InvalidArgumentError(
        `${what}.grants.maxMemoryPages must be an integer in 1..${MAX_PAGES} (64 KiB pages), got ${describe(m)}`,
      );
    }
    maxMemoryPages = m;
  }
  return {
    spawn,
    control: flag('control'),
    timers: flag('timers'),
    log: flag('log'),
    jobs: flag('jobs'),
    maxMemoryPages,
  };
}

/** True if `caps` allows spawning module `name`. */
export function maySpawn(caps: Capabilities, name: string): boolean {
  return caps.spawn === true || (caps.spawn !== false && caps.spawn.has(name));
}

/** The memory cap in bytes. */
export function maxMemoryBytes(caps: Capabilities): number {
  return caps.maxMemoryPages * PAGE_BYTES;
}
