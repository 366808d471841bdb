/**
 * The node's name registry, shared by every shard: an open-addressing hash table in a
 * SharedArrayBuffer guarded by a tiny spin lock, so `register`/`whereis` answer synchronously
 * from any thread and a name is unique across the whole node.
 *
 * Layout: Int32 `lock` (0 free, else holder thread + 1), Int32 `version` (bumped on every change,
 * read lock-free to validate per-thread caches), then `slots` records of 128 bytes:
 * Int32 state (0 empty, 1 used, 2 deleted) · Int32 name length · Float64 pid · 112 name bytes.
 *
 * Why a lock and not a lock-free table: critical sections are a few hundred nanoseconds, names
 * change rarely, and a lock keeps register's check-then-insert atomic. Readers on the hot path
 * (`sendNamed`) skip the lock entirely through a per-thread cache keyed by `version`: the version
 * is bumped (SC store) *before* the writer releases the lock, and a reader uses its cache only if
 * it reads an unchanged version, so it never keeps a mapping that was removed before its read.
 *
 * If a thread dies while holding the lock (only possible if a worker is terminated inside a
 * registry call), the scheduler calls {@link SharedRegistry.releaseIfHeldBy}.
 *
 * @example
 * const reg = new SharedRegistry(createRegistryBuffer(), 0);
 * reg.register('db', 7170); // true
 * reg.whereis('db');        // 7170
 */
import { InvalidArgumentError } from '../runtime/errors.js';
import { describe } from '../runtime/pid.js';
import type { Pid } from '../runtime/types.js';
import { checkName } from '../runtime/validate.js';
import { isPowerOfTwoIn } from './ring-layout.js';

const SLOT = 128;
const HEADER = 64;
const MAX_NAME_BYTES = SLOT - 16;
const LOCK = 0;
const VERSION = 1;

/** The largest name table: 2^20 names (128 MiB of shared memory). */
const MAX_SLOTS = 1 << 20;

/** Allocate a registry holding up to `slots` names (a power of two). */
export function createRegistryBuffer(slots = 4096): SharedArrayBuffer {
  if (!isPowerOfTwoIn(slots, 16, MAX_SLOTS)) {
    throw new InvalidArgumentError(
      `options.maxNames must be a power of two from 16 to ${MAX_SLOTS}, got ${describe(slots)}`,
    );
  }
  return new SharedArrayBuffer(HEADER + slots * SLOT);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SharedRegistry {
  readonly #ctl: Int32Array;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #u8: Uint8Array;
  readonly #slots: number;
  readonly #owner: number;
  #cache = new Map<string, Pid | undefined>();
  #cacheVersion = -1;

  /** `thread` identifies the caller's thread in the lock word. */
  constructor(sab: SharedArrayBuffer, thread: number) {
    this.#ctl = new Int32Array(sab, 0, HEADER / 4);
    this.#slots = (sab.byteLength - HEADER) / SLOT;
    this.#i32 = new Int32Array(sab, HEADER);
    this.#f64 = new Float64Array(sab, HEADER);
    this.#u8 = new Uint8Array(sab, HEADER);
    this.#owner = thread + 1;
  }

  /** Bind `name` to `pid`; false if the name is taken. Throws if the table is full. */
  register(name: string, pid: Pid): boolean {
    const bytes = nameBytes(name, 'register: name');
    return this.#locked(() => {
      const found = this.#find(bytes);
      if (found.index >= 0) return false;
      const slot = found.free;
      if (slot < 0)
        throw new InvalidArgumentError(
          `register: the name table is full (${this.#slots} names); raise options.maxNames`,
        );
      const base = slot * SLOT;
      this.#i32[base / 4 + 1] = bytes.length;
      this.#f64[base / 8 + 1] = pid;
      this.#u8.set(bytes, base + 16);
      this.#i32[base / 4] = 1;
      Atomics.add(this.#ctl, VERSION, 1);
      return true;
    });
  }

  /** Remove `name`; when `onlyPid` is given, only if it is bound to that pid. */
  unregister(name: string, onlyPid?: Pid): boolean {
    const bytes = nameBytes(name, 'unregister: name');
    return this.#locked(() => {
      const { index } = this.#find(bytes);
      if (index < 0) return false;
      const base = index * SLOT;
      if (onlyPid !== undefined && this.#f64[base / 8 + 1] !== onlyPid) return false;
      this.#i32[base / 4] = 2;
      Atomics.add(this.#ctl, VERSION, 1);
      return true;
    });
  }

  whereis(name: string): Pid | undefined {
    const version = Atomics.load(this.#ctl, VERSION);
    if (version === this.#cacheVersion) {
      const hit = this.#cache.get(name);
      if (hit !== undefined || this.#cache.has(name)) return hit;
    } else {
      this.#cache.clear();
      this.#cacheVersion = version;
    }
    const bytes = nameBytes(name, 'whereis: name');
    const pid = this.#locked(() => {
      const { index } = this.#find(bytes);
      return index < 0 ? undefined : (this.#f64[(index * SLOT) / 8 + 1] as number);
    });
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(name, pid);
    return pid;
  }

  /** Every registered name (any order). */
  names(): string[] {
    return this.#locked(() => {
      const out: string[] = [];
      for (let s = 0; s < this.#slots; s++) {
        const base = s * SLOT;
        if (this.#i32[base / 4] !== 1) continue;
        const len = this.#i32[base / 4 + 1] as number;
        out.push(decoder.decode(this.#u8.slice(base + 16, base + 16 + len)));
      }
      return out;
    });
  }

  /** Drop every name bound to a pid for which `dead(pid)` is true (after a shard is lost). */
  removeWhere(dead: (pid: Pid) => boolean): number {
    return this.#locked(() => {
      let n = 0;
      for (let s = 0; s < this.#slots; s++) {
        const base = s * SLOT;
        if (this.#i32[base / 4] === 1 && dead(this.#f64[base / 8 + 1] as number)) {
          this.#i32[base / 4] = 2;
          n++;
        }
      }
      if (n > 0) Atomics.add(this.#ctl, VERSION, 1);
      return n;
    });
  }

  /** Free the lock if a dead thread (`thread`) held it. */
  releaseIfHeldBy(thread: number): void {
    Atomics.compareExchange(this.#ctl, LOCK, thread + 1, 0);
  }

  #locked<T>(fn: () => T): T {
    let spins = 0;
    while (Atomics.compareExchange(this.#ctl, LOCK, 0, this.#owner) !== 0) {
      // Holders keep the lock for well under a microsecond; back off with a short wait.
      if (++spins > 100) Atomics.wait(this.#ctl, LOCK, Atomics.load(this.#ctl, LOCK), 1);
    }
    try {
      return fn();
    } finally {
      Atomics.store(this.#ctl, LOCK, 0);
    }
  }

  /** Probe for `bytes`: its slot index (or -1) and the first reusable slot on the way. */
  #find(bytes: Uint8Array): { index: number; free: number } {
    const mask = this.#slots - 1;
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
    let free = -1;
    for (let i = 0, s = h & mask; i < this.#slots; i++, s = (s + 1) & mask) {
      const base = s * SLOT;
      const state = this.#i32[base / 4];
      if (state === 0) return { index: -1, free: free < 0 ? s : free };
      if (state === 2) {
        if (free < 0) free = s;
        continue;
      }
      if (this.#i32[base / 4 + 1] === bytes.length && equalAt(this.#u8, base + 16, bytes))
        return { index: s, free };
    }
    return { index: -1, free };
  }
}

function equalAt(hay: Uint8Array, at: number, needle: Uint8Array): boolean {
  for (let i = 0; i < needle.length; i++) if (hay[at + i] !== needle[i]) return false;
  return true;
}

function nameBytes(name: unknown, what: string): Uint8Array {
  checkName(name, what); // the runtime's rule and wording
  const bytes = encoder.encode(name);
  if (bytes.length > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(
      `${what} must be at most ${MAX_NAME_BYTES} bytes of UTF-8, got ${bytes.length}`,
    );
  }
  return bytes;
}
