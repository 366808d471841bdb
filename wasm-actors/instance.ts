/**
 * One WebAssembly instance of a guest module and the calls into it. An instance hosts one actor
 * (isolated mode, actor id 0) or many (shared mode, dense slot ids). All guest calls go through
 * here — except the message hot path, written out in `WasmActor.receive` with this class's
 * `enterTop`/`leaveTop`/`fault` — so that three things hold everywhere:
 *
 * - **The current actor.** Imports act for `cur`, set for the duration of each guest call.
 * - **No re-entry.** A guest call can make the runtime end a process synchronously (linking to a
 *   dead pid, an exit signal to a linked process); if that process lives in this instance, its
 *   `wactor_stop` is deferred until the running call returns, so the guest is never entered
 *   while it is already running.
 * - **Traps end the instance.** Any exception out of a guest call marks the instance dead; it is
 *   never called again. In shared mode every other actor of the instance is poisoned: it ends
 *   `crashed` at its next turn (see docs/abi.md, "Traps and blast radius").
 */

import type { Context } from '../runtime/types.js';
import { PAGE_BYTES, REQUIRED_EXPORTS } from './abi.js';
import type { WasmActor } from './actor.js';
import { GuestFault, WasmTrapError } from './errors.js';
import type { WasmModule } from './module.js';
import { type WasmMemory, wasm } from './wasm-types.js';

/** The guest exports, as JS sees them. */
interface GuestExports {
  wactor_abi(): number;
  wactor_inbox(minBytes: number): number;
  wactor_init(actor: number, argsLen: number, pid: number): void;
  wactor_receive(actor: number, len: number): void;
  wactor_signal(actor: number, kind: number, from: number, ref: number, rlen: number, dlen: number): void;
  wactor_stop(actor: number, reasonLen: number): void;
  __collect?: () => void;
}

/** Placeholder for the export functions until `start` ran. */
function unstarted(): never {
  throw new Error('wasm instance not started');
}

/** Host-driven GC: collect at least every this many top-level calls (more for big instances). */
const GC_EVERY = 1024;

/** What {@link WasmInstance} saves when a guest call nests inside another. */
type Saved = [WasmActor | undefined, Context | undefined, WasmInstance | undefined];

/** Sent (as a system notice) to the other actors of a shared instance that trapped. */
export const POISON: unique symbol = Symbol('wactor.wasm.poison');

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** Instances made so far: alternates {@link WasmInstance.site}. */
let made = 0;

export class WasmInstance {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  /**
   * The guest's `wactor_receive`. Public only for {@link WasmActor.receive}'s pooled-message fast
   * path, which makes the call itself (one JS call layer less per message hop).
   */
  guestReceive: GuestExports['wactor_receive'] = unstarted;
  /**
   * Which of {@link WasmActor.receive}'s two textually identical `guestReceive` call sites this
   * instance uses (instances alternate). V8 records one call target per site: a site that sees
   * two instances' exports goes megamorphic and every call takes the generic `Call` builtins
   * (~12.5 vs ~6 ns here). Two sites keep a pair of instances talking to each other (a
   * ping-pong, a client and its server) monomorphic each; more instances are no worse than one site.
   */
  readonly site = made++ & 1;
  #inbox: GuestExports['wactor_inbox'] = unstarted;
  #init: GuestExports['wactor_init'] = unstarted;
  #signal: GuestExports['wactor_signal'] = unstarted;
  #stop: GuestExports['wactor_stop'] = unstarted;
  /** Views of all of linear memory; all replaced when growth detaches the old buffer. */
  u8: Uint8Array;
  /**
   * The word view. The message hot path (checks, the copy of a small message, the collection
   * check) uses only this one: every typed-array access costs loads and checks of the view's
   * header (map, length, data pointer, detached/length-tracking bits), so one view per hop is
   * cheaper than two. `i32.length * 4` is the memory size, as `u8.length` is.
   */
  i32: Int32Array;
  dv: DataView;
  /** The guest's inbox: where each message is copied before `wactor_receive` (read-only outside). */
  inboxPtr = 0;
  inboxCap = 0;

  /**
   * The actor whose call is running, and its context: valid only while `depth > 0` (they keep
   * their last values after a call; see {@link enterTop}).
   */
  cur: WasmActor | undefined = undefined;
  ctx: Context | undefined = undefined;
  depth = 0;
  /** Set when a call trapped: the instance is never called again. */
  dead: WasmTrapError | undefined = undefined;

  /** Actors attached to this instance, by slot (shared mode; isolated uses slot 0). */
  readonly slots: (WasmActor | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  live = 0;
  #pendingStops: [WasmActor, string][] = [];
  /** Host-driven GC (see {@link maybeCollect}): the guest's `__collect`, if it exports one. */
  collect: (() => void) | undefined = undefined;
  /** Calls left until the next collection. */
  #gcLeft = GC_EVERY;
  /** Linear memory size at the last collection, in words (growth triggers the next one). */
  #gcWords = 0;

  constructor(module: WasmModule, memory: WasmMemory) {
    this.module = module;
    this.memory = memory;
    const buffer = memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.dv = new DataView(buffer);
  }

  /** Instantiate and run the ABI handshake. Throws (the module wraps it) on any failure. */
  start(inboxBytes: number): void {
    const module = this.module;
    const shared = module.imports;
    // The start function and the handshake run as this instance with no current actor (imports
    // that act for an actor fault). Instantiation may happen inside another instance's call
    // (a guest's spawn), so the active instance is restored afterwards.
    const prev = module.active;
    module.active = this;
    try {
      const instance = new wasm.Instance(module.compiled, {
        env: { memory: this.memory, ...shared.env },
        wactor: shared.wactor,
      });
      const ex = instance.exports as unknown as GuestExports;
      for (const name of Object.keys(REQUIRED_EXPORTS)) {
        if (typeof (ex as unknown as Record<string, unknown>)[name] !== 'function') {
          throw new Error(`export ${name} is not a function`);
        }
      }
      // The export functions are cached in fields: `instance.exports` is a frozen object whose
      // property loads cost more than a field load on every call.
      this.guestReceive = ex.wactor_receive;
      this.#inbox = ex.wactor_inbox;
      this.#init = ex.wactor_init;
      this.#signal = ex.wactor_signal;
      this.#stop = ex.wactor_stop;
      this.collect = typeof ex.__collect === 'function' ? ex.__collect : undefined;
      const abi = ex.wactor_abi();
      if (abi !== 1) throw new Error(`wactor_abi() returned ${abi}; this host implements ABI version 1`);
      this.#setInbox(ex.wactor_inbox(inboxBytes), inboxBytes);
      this.#gcWords = this.i32.length;
    } finally {
      module.active = prev;
    }
  }

  // ---- memory ---------------------------------------------------------------------------------

  /** Re-create the views after memory growth (the old ArrayBuffer is detached). */
  refresh(): Uint8Array {
    const buffer = this.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.dv = new DataView(buffer);
    return this.u8;
  }

  /**
   * Check that [ptr, ptr + len) lies in linear memory and return the current view. A bad range
   * is a guest bug: throw a fault, which traps the calling actor. `ptr` must already be `>>> 0`.
   */
  check(ptr: number, len: number, what: string): Uint8Array {
    const u8 = this.u8;
    if (len >= 0 && ptr + len <= u8.length) return u8;
    return this.#checkAfterRefresh(ptr, len, what);
  }

  /** {@link check}'s rare path (memory grew, or a bad range), out of line to keep `check` inlinable. */
  #checkAfterRefresh(ptr: number, len: number, what: string): Uint8Array {
    const u8 = this.refresh();
    if (len < 0 || ptr + len > u8.length) {
      throw new GuestFault(
        `out of bounds: wactor.${what} was passed ptr=${ptr} len=${len} beyond memory of ${u8.length} bytes`,
      );
    }
    return u8;
  }

  #setInbox(ptr: number, min: number): void {
    ptr >>>= 0;
    this.check(ptr, min, 'wactor_inbox (returned buffer)');
    this.inboxPtr = ptr;
    this.inboxCap = min;
  }

  /**
   * Write a string into the inbox as UTF-8; returns the byte length. Short ASCII strings (spawn
   * arguments, exit reasons) are written char by char: TextEncoder's per-call cost would
   * otherwise dominate spawn/exit churn.
   */
  #putText(s: string): number {
    const n = s.length;
    if (n <= 256) {
      if (n > this.inboxCap) this.#setInbox(this.#inbox(n), n);
      let u8 = this.u8;
      if (this.inboxPtr + n > u8.length) u8 = this.refresh();
      const at = this.inboxPtr;
      // One pass: write char codes while they are ASCII; the first other char sends the whole
      // string through TextEncoder instead (overwriting what was written).
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        u8[at + i] = c;
      }
      if (i === n) return n;
    }
    return this.#put(encoder.encode(s));
  }

  /** Copy `bytes` into the inbox (growing it through the guest if needed); returns the length. */
  #put(bytes: Uint8Array): number {
    const len = bytes.length;
    if (len > this.inboxCap) this.#setInbox(this.#inbox(len), len);
    let u8 = this.u8;
    if (this.inboxPtr + len > u8.length) u8 = this.refresh();
    const at = this.inboxPtr;
    // Small messages: a byte loop beats TypedArray.set's fixed cost (~13 vs ~28 ns for 12 bytes).
    if (len <= 64) for (let i = 0; i < len; i++) u8[at + i] = bytes[i]!;
    else u8.set(bytes, at);
    return len;
  }

  /**
   * Host-driven garbage collection, for guests that export `__collect` (AssemblyScript's
   * `minimal` runtime: no shadow stack, so guest calls are ~2× cheaper, but the collector must
   * be run from outside while no guest frame is live). Called after each top-level call; runs
   * the collector every `max(1024, live actors)` calls (its cost grows with the live heap) or as
   * soon as memory has grown since the last collection. A growth is seen without reading
   * `memory.buffer` (~30 ns): growth detaches the buffer under `u8`, whose length becomes 0.
   */
  maybeCollect(): void {
    if (--this.#gcLeft !== 0 && this.i32.length === this.#gcWords) return;
    this.#collectNow();
  }

  /** Out of line so {@link maybeCollect}, inlined into the message path, stays small. */
  #collectNow(): void {
    this.collect!();
    if (this.u8.buffer !== this.memory.buffer) this.refresh();
    this.#gcWords = this.i32.length;
    this.#gcLeft = Math.max(GC_EVERY, this.live);
  }

  // ---- slots ----------------------------------------------------------------------------------

  takeSlot(actor: WasmActor): number {
    const slot = this.#freeSlots.length > 0 ? this.#freeSlots.pop()! : this.slots.length;
    this.slots[slot] = actor;
    this.live++;
    return slot;
  }

  #freeSlot(slot: number): void {
    this.slots[slot] = undefined;
    this.#freeSlots.push(slot);
    this.live--;
  }

  // ---- guest calls ----------------------------------------------------------------------------

  /**
   * Make `actor` current for a guest call (and this instance the module's active one). Returns
   * what was current before, or `undefined` when no guest call of this module was running (the
   * common case, so no allocation): pass it back to {@link #leave}.
   */
  #enter(actor: WasmActor, ctx: Context | undefined): Saved | undefined {
    const module = this.module;
    const active = module.active;
    const saved: Saved | undefined =
      this.depth === 0 && (active === undefined || active.depth === 0)
        ? undefined
        : [this.cur, this.ctx, active];
    this.cur = actor;
    this.ctx = ctx;
    this.depth++;
    module.active = this;
    return saved;
  }

  #leave(saved: Saved | undefined): void {
    this.depth--;
    if (saved !== undefined) {
      this.cur = saved[0];
      this.ctx = saved[1];
      this.module.active = saved[2];
    }
    if (this.depth === 0 && this.#pendingStops.length > 0) this.#flushStops();
  }

  /**
   * {@link #enter} for a call not nested in this instance (`depth === 0`), the message hot path:
   * only the module's active instance (another instance of this module calling in) can be set,
   * so that is all there is to save, with no tuple. Returns it for {@link leaveTop}.
   *
   * `cur`, `ctx` and `module.active` are written only when they change, and left as they are
   * when the call returns (they mean something only while `depth > 0`; imports check `depth`).
   * Each is a pointer store with a write barrier, and the barriers' page-flag checks were ~20%
   * of the run loop's own samples in a ping-pong profile (perf); an actor that handles message
   * after message finds all three already set.
   */
  enterTop(actor: WasmActor, ctx: Context | undefined): WasmInstance | undefined {
    const module = this.module;
    const prev = module.active;
    if (this.cur !== actor) this.cur = actor;
    if (this.ctx !== ctx) this.ctx = ctx;
    this.depth = 1;
    if (prev !== this) module.active = this;
    return prev;
  }

  leaveTop(prev: WasmInstance | undefined): void {
    this.depth = 0;
    // Restore the caller's instance only if one was running (a guest's spawn of this module).
    if (prev !== undefined && prev !== this && prev.depth > 0) this.module.active = prev;
    if (this.#pendingStops.length > 0) this.#flushStops();
  }

  #flushStops(): void {
    const stops = this.#pendingStops;
    this.#pendingStops = [];
    for (const [actor, reason] of stops) this.stop(actor, reason);
  }

  init(actor: WasmActor, ctx: Context, args: Uint8Array | string | undefined): void {
    if (this.depth !== 0) {
      const saved = this.#enter(actor, ctx);
      try {
        this.#init(actor.slot, this.#putArgs(args), actor.pid);
      } catch (err) {
        throw this.fault(err, actor);
      } finally {
        this.#leave(saved);
      }
      return;
    }
    // The spawn hot path (a turn of its own): no tuple to save, no `finally`.
    const prev = this.enterTop(actor, ctx);
    try {
      this.#init(actor.slot, this.#putArgs(args), actor.pid);
      if (this.collect !== undefined) this.maybeCollect();
    } catch (err) {
      const trap = this.fault(err, actor);
      this.leaveTop(prev);
      throw trap;
    }
    this.leaveTop(prev);
  }

  #putArgs(args: Uint8Array | string | undefined): number {
    return typeof args === 'string' ? this.#putText(args) : this.#put(args ?? EMPTY);
  }

  receive(actor: WasmActor, ctx: Context, bytes: Uint8Array): void {
    // Hot path: a call not nested in this instance saves only the module's active instance.
    if (this.depth !== 0) {
      const saved = this.#enter(actor, ctx);
      try {
        this.guestReceive(actor.slot, this.#put(bytes));
      } catch (err) {
        throw this.fault(err, actor);
      } finally {
        this.#leave(saved);
      }
      return;
    }
    const prev = this.enterTop(actor, ctx);
    try {
      this.guestReceive(actor.slot, this.#put(bytes));
      if (this.collect !== undefined) this.maybeCollect();
    } catch (err) {
      throw this.fault(err, actor);
    } finally {
      this.leaveTop(prev);
    }
  }

  signal(
    actor: WasmActor,
    ctx: Context,
    kind: number,
    from: number,
    ref: number,
    reason: string,
    detail: string,
  ): void {
    const saved = this.#enter(actor, ctx);
    try {
      const r = encoder.encode(reason);
      const d = encoder.encode(detail);
      const both = new Uint8Array(r.length + d.length);
      both.set(r, 0);
      both.set(d, r.length);
      this.#put(both);
      this.#signal(actor.slot, kind, from, ref, r.length, d.length);
      if (this.collect !== undefined && this.depth === 1) this.maybeCollect();
    } catch (err) {
      throw this.fault(err, actor);
    } finally {
      this.#leave(saved);
    }
  }

  /**
   * The actor ended: let the guest forget it (`wactor_stop`, deferred if the instance is inside
   * a call), then free its slot. A trap here cannot crash the already-ending actor; it kills the
   * instance (and, in shared mode, its other actors) and is logged.
   */
  stop(actor: WasmActor, reason: string): void {
    if (this.dead !== undefined) {
      this.#detach(actor);
      return;
    }
    if (this.depth > 0) {
      this.#pendingStops.push([actor, reason]);
      return;
    }
    if (actor.started) {
      // Not nested (depth 0, checked above): the top-level entry, as for a message.
      const prev = this.enterTop(actor, undefined);
      try {
        this.#stop(actor.slot, this.#putText(reason));
        if (this.collect !== undefined) this.maybeCollect();
      } catch (err) {
        this.#stopTrapped(err, actor);
      }
      this.leaveTop(prev);
    }
    this.#detach(actor);
  }

  /** A trap in `wactor_stop` cannot crash the already-ending actor: it kills the instance, logged. */
  #stopTrapped(err: unknown, actor: WasmActor): void {
    const trap = this.fault(err, actor);
    this.module.host.logger.error(`wasm actor ${actor.pid} (${this.module.name}) trapped while stopping`, {
      pid: actor.pid,
      error: trap,
    });
  }

  #detach(actor: WasmActor): void {
    if (this.slots[actor.slot] === actor) this.#freeSlot(actor.slot);
    // The current-actor fields keep their last values between calls (see enterTop): drop them
    // here so a pooled or dead instance does not keep an ended actor, or its memory, alive.
    if (this.depth === 0) {
      if (this.cur === actor) {
        this.cur = undefined;
        this.ctx = undefined;
      }
      if (this.live === 0 && this.module.active === this) this.module.active = undefined;
    }
    this.module.released(this);
  }

  /** Turn whatever a guest call threw into the actor's crash error, and kill the instance. */
  fault(err: unknown, actor: WasmActor): WasmTrapError {
    if (err instanceof WasmTrapError) return err;
    let trap = err instanceof Error ? err.message : String(err);
    if (err instanceof RangeError && /call stack/i.test(trap)) trap = `stack overflow (${trap})`;
    const pages = this.memory.buffer.byteLength / PAGE_BYTES;
    if (pages >= this.module.caps.maxMemoryPages && !(err instanceof GuestFault)) {
      trap += ` (memory is at its cap of ${this.module.caps.maxMemoryPages} pages)`;
    }
    const error = new WasmTrapError(this.module.name, actor.pid, actor.pid, trap, { cause: err });
    this.#kill(error, actor);
    return error;
  }

  #kill(error: WasmTrapError, trapped: WasmActor): void {
    if (this.dead !== undefined) return;
    this.dead = error;
    // Deferred stops will never call the guest now; just free their slots.
    const pending = this.#pendingStops;
    this.#pendingStops = [];
    for (const [actor] of pending) this.#detach(actor);
    this.module.trapped(this);
    const node = this.module.host.node;
    for (const other of this.slots) {
      if (other !== undefined && other !== trapped && !other.ended) node.notify(other.pid, POISON);
    }
  }

  /** The error an actor of this dead instance ends with. */
  poisonFor(actor: WasmActor): WasmTrapError {
    const dead = this.dead!;
    if (dead.pid === actor.pid) return dead;
    return new WasmTrapError(this.module.name, actor.pid, dead.trappedPid, dead.trap, { cause: dead });
  }

  /** Zero the memory for reuse by a fresh instance (only if it never grew). */
  recyclableMemory(): WasmMemory | undefined {
    if (this.memory.buffer.byteLength !== this.module.minPages * PAGE_BYTES) return undefined;
    this.refresh().fill(0);
    return this.memory;
  }
}
