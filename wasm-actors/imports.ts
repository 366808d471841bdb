/**
 * The host imports of one instance (docs/abi.md, "Host imports"). Every function acts for the
 * instance's current actor, checks pointers against linear memory (a bad range traps the actor),
 * checks capabilities (a denied call returns DENIED and is counted), and turns runtime refusals
 * into return codes — nothing a guest does here can throw into the host.
 */

import { webcrypto } from 'node:crypto';
import { isPid } from '../runtime/pid.js';
import type { Pid } from '../runtime/types.js';
import {
  BADARG,
  type Capability,
  DENIED,
  FAILED,
  LIMIT,
  NO_MODULE,
  NO_REQUEST,
  NOPROC,
  OK,
  REFUSED,
  SPAWN_LINK,
  TAKEN,
  TOO_LARGE,
} from './abi.js';
import type { WasmActor } from './actor.js';
import { maySpawn } from './capabilities.js';
import { GuestFault } from './errors.js';
import type { WasmInstance } from './instance.js';
import { giveBack, LOCAL_MAX, type LocalBytes, takeLocal } from './local-bytes.js';
import type { WasmModule } from './module.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');
const utf16 = new TextDecoder('utf-16le');
const MAX_NAME_BYTES = 255;
const MAX_RANDOM_BYTES = 65536;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Exit reasons a guest passes most often: returned as constants, no string building. */
const KNOWN_TEXT = ['normal', 'shutdown', 'killed', 'crashed', 'timeout'];

/** Short ASCII text decoded without TextDecoder's fixed cost; undefined if not short ASCII. */
function asciiText(u8: Uint8Array, ptr: number, len: number): string | undefined {
  if (len > 64) return undefined;
  for (const known of KNOWN_TEXT) {
    if (known.length !== len) continue;
    let i = 0;
    while (i < len && u8[ptr + i] === known.charCodeAt(i)) i++;
    if (i === len) return known;
  }
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = u8[ptr + i]!;
    if (c > 0x7f) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * The import functions of a module, shared by all its instances (one set per module, so each is
 * optimized once and an instance costs no closures). They act on `module.active`, the instance
 * whose export is running (set by WasmInstance on every entry, restored on exit).
 */
export function createImports(module: WasmModule): {
  readonly wactor: Record<string, unknown>;
  readonly env: Record<string, unknown>;
} {
  const host = module.host;
  const node = host.node;
  const caps = module.caps;

  const active = (what: string): WasmInstance => {
    // `module.active` and `cur` keep their last values after a call: `depth` says if one runs.
    const inst = module.active;
    if (inst === undefined || inst.depth === 0) {
      throw new GuestFault(`wactor.${what} called outside an actor call (e.g. at start)`);
    }
    return inst;
  };
  const cur = (what: string): WasmActor => active(what).cur!;
  const deny = (cap: Capability): number => {
    host.countDenied(module, cap);
    return DENIED;
  };
  /** A copy of guest bytes (the guest may overwrite its buffer as soon as we return). */
  const copy = (ptr: number, len: number, what: string): Uint8Array => {
    ptr >>>= 0;
    return active(what)
      .check(ptr, len, what)
      .slice(ptr, ptr + len);
  };
  /** A name: UTF-8, 1..255 bytes; undefined if invalid (→ BADARG). Bad pointers still trap. */
  const name = (ptr: number, len: number, what: string): string | undefined => {
    ptr >>>= 0;
    const u8 = active(what).check(ptr, len, what);
    if (len === 0 || len > MAX_NAME_BYTES) return undefined;
    const ascii = asciiText(u8, ptr, len);
    if (ascii !== undefined) return ascii;
    try {
      return strict.decode(u8.subarray(ptr, ptr + len));
    } catch {
      return undefined;
    }
  };
  const text = (ptr: number, len: number, what: string): string => {
    ptr >>>= 0;
    const u8 = active(what).check(ptr, len, what);
    return asciiText(u8, ptr, len) ?? lenient.decode(u8.subarray(ptr, ptr + len));
  };
  const deliver = (pid: number, msg: unknown): number => {
    if (!isPid(pid)) return BADARG;
    if (node.send(pid, msg)) return OK;
    return node.isAlive(pid) ? REFUSED : NOPROC;
  };
  let lastLocal = 0;
  /**
   * The last pid found NOT to be a Wasm actor of this host (a JS process, another shard's
   * actor): a guest that keeps sending to one skips the host's pid-table lookup per message.
   * Pids are never reused, so it cannot hide a later local actor — except a pid guessed before
   * its spawn, whose messages then take the copy path: still delivered, only not pooled.
   */
  let lastOut = 0;
  /** Sizes that take the pooled path (never more than the host's message limit). */
  const localMax = Math.min(LOCAL_MAX, host.maxMessageBytes);
  /**
   * What the send import's hot path uses from other modules, copied into this closure. The
   * import functions are closures (one set per module), and from one V8 reaches a module import
   * through five dependent loads (context → module → imports table → cell → value) on every
   * use; perf showed those chains stalling the send import. A closure slot is one load.
   */
  const take = takeLocal;
  const ok = OK;
  /**
   * Send guest bytes: pooled to a Wasm actor of this host, else as a fresh Uint8Array.
   *
   * Split into small functions on purpose: this runs on every guest send, and V8 inlines callees
   * into the import only within a bytecode budget. With the cold paths (sends leaving the host,
   * refusals) written inline, the budget ran out before the runtime's mailbox push, which then
   * cost a call per message hop.
   */
  const sendBytes = (inst: WasmInstance, pid: number, ptr: number, len: number, what: string): number => {
    inst.check(ptr, len, what);
    // `lastLocal` caches the last pid found to be a Wasm actor of this host. Pids are never
    // reused, so the cache cannot go wrong: once that actor is gone, `node.send` just fails.
    if (len <= localMax && pid !== lastOut && (pid === lastLocal || isLocalPid(pid))) {
      return sendLocal(inst, pid, ptr, len);
    }
    return sendOut(inst.u8, pid, ptr, len);
  };
  const isLocalPid = (pid: number): boolean => {
    if (!host.isLocal(pid)) {
      lastOut = pid;
      return false;
    }
    lastLocal = pid;
    return true;
  };
  /** To a Wasm actor of this host: the bytes travel in a pooled buffer (local-bytes.ts). */
  const sendLocal = (inst: WasmInstance, pid: number, ptr: number, len: number): number => {
    const m = takeLocal(inst, ptr, len);
    // The sender's context caches its last target's record (no pid → process map lookup).
    // An actor that already ended sends through the node (its context refuses).
    const ctx = inst.ctx;
    if (ctx !== undefined && !inst.cur!.ended ? ctx.send(pid, m) : node.send(pid, m)) return OK;
    return refusedLocal(m, pid);
  };
  /** A pooled message the node would not take: back to the pool, and why. */
  const refusedLocal = (m: LocalBytes, pid: number): number => {
    giveBack(m);
    return node.isAlive(pid) ? REFUSED : NOPROC;
  };
  /** To anything else (a JS process, another shard): a copy the receiver owns. */
  const sendOut = (u8: Uint8Array, pid: number, ptr: number, len: number): number => {
    if (len > host.maxMessageBytes) return TOO_LARGE;
    // A node that can copy straight into its transport (a shard's ring) skips the fresh array.
    if (node.sendCopy !== undefined) {
      if (!isPid(pid)) return BADARG;
      if (node.sendCopy(pid, u8, ptr, ptr + len)) return OK;
      return node.isAlive(pid) ? REFUSED : NOPROC;
    }
    return deliver(pid, u8.slice(ptr, ptr + len));
  };
  /** An AssemblyScript string (UTF-16, byte length in the header word before it). */
  const asString = (ptr: number): string => {
    ptr >>>= 0;
    if (ptr < 4) return '';
    const inst = module.active;
    if (inst === undefined) return '(no instance)';
    const u8 = inst.check(ptr - 4, 4, 'abort');
    const len = (u8[ptr - 4]! | (u8[ptr - 3]! << 8) | (u8[ptr - 2]! << 16) | (u8[ptr - 1]! << 24)) >>> 0;
    return utf16.decode(inst.check(ptr, len, 'abort').subarray(ptr, ptr + len));
  };

  const wactor = {
    self: (): number => cur('self').pid,

    send(pid: number, ptr: number, len: number): number {
      const inst = module.active;
      if (inst === undefined || inst.depth === 0) cur('send');
      ptr >>>= 0;
      // The hot case (in range, small, to the Wasm actor this module sent to last, from a live
      // actor) written out here instead of through sendBytes/sendLocal: V8's inlining budget
      // (~920 bytes of bytecode) counts only callees, so this leaves room for the runtime's
      // whole send (context, mailbox push, run-queue insert) to be inlined into the import.
      // Everything else takes the general path, which re-checks. The range is checked against
      // the word view, which a small message's copy reads (see WasmInstance.i32).
      if (len >= 0 && ptr + len <= inst!.i32.length * 4 && len <= localMax && pid === lastLocal) {
        const ctx = inst!.ctx;
        // `=== false`: one compare, not V8's generic truthiness test (see the runtime's #deliver).
        if (ctx !== undefined && inst!.cur!.ended === false) {
          const m = take(inst!, ptr, len);
          return ctx.send(pid, m) ? ok : refusedLocal(m, pid);
        }
      }
      return sendBytes(inst!, pid, ptr, len, 'send');
    },

    send_named(namePtr: number, nameLen: number, ptr: number, len: number): number {
      cur('send_named');
      const n = name(namePtr, nameLen, 'send_named');
      const bytes = copy(ptr, len, 'send_named');
      if (n === undefined) return BADARG;
      if (len > host.maxMessageBytes) return TOO_LARGE;
      if (node.sendNamed(n, bytes)) return OK;
      return node.whereis(n) === undefined ? NOPROC : REFUSED;
    },

    request(pid: number, ptr: number, len: number): number {
      const a = cur('request');
      const bytes = copy(ptr, len, 'request');
      if (len > host.maxMessageBytes) return TOO_LARGE;
      return deliver(pid, { replyTo: a.pid, data: bytes });
    },

    reply(ptr: number, len: number): number {
      const inst = active('reply');
      const a = inst.cur!;
      ptr >>>= 0;
      if (a.replyTo === 0) {
        inst.check(ptr, len, 'reply');
        return NO_REQUEST;
      }
      return sendBytes(inst, a.replyTo, ptr, len, 'reply');
    },

    sender: (): number => cur('sender').replyTo,

    register(ptr: number, len: number): number {
      const a = cur('register');
      const n = name(ptr, len, 'register');
      if (n === undefined) return BADARG;
      return node.register(n, a.pid) ? OK : TAKEN;
    },

    unregister(ptr: number, len: number): number {
      const a = cur('unregister');
      const n = name(ptr, len, 'unregister');
      if (n === undefined) return BADARG;
      const holder = node.whereis(n);
      if (holder === undefined) return NOPROC;
      if (holder !== a.pid && !caps.control) return deny('control');
      return node.unregister(n) ? OK : NOPROC;
    },

    whereis(ptr: number, len: number): number {
      cur('whereis');
      const n = name(ptr, len, 'whereis');
      if (n === undefined) return BADARG;
      return node.whereis(n) ?? 0;
    },

    spawn(modPtr: number, modLen: number, argsPtr: number, argsLen: number, flags: number): number {
      const a = cur('spawn');
      const m = name(modPtr, modLen, 'spawn');
      const args = copy(argsPtr, argsLen, 'spawn');
      if (caps.spawn === false) return deny('spawn');
      if (m === undefined) return BADARG;
      if (!maySpawn(caps, m)) return deny('spawn');
      if (!host.has(m)) return NO_MODULE;
      const link = (flags & SPAWN_LINK) !== 0;
      // A link to an ended actor would kill the child at birth (noproc): refuse instead.
      if (link && a.ended) return NOPROC;
      try {
        return host.spawn(m, args, link ? { linkTo: a.pid } : undefined);
      } catch (err) {
        host.logger.warn(`wasm actor ${a.pid} (${module.name}) failed to spawn '${m}'`, { error: err });
        return FAILED;
      }
    },

    link(pid: number): number {
      const a = cur('link');
      if (!caps.control) return deny('control');
      if (!isPid(pid)) return BADARG;
      if (a.ended) return NOPROC;
      return node.link(a.pid, pid) ? OK : NOPROC;
    },

    unlink(pid: number): number {
      const a = cur('unlink');
      if (!caps.control) return deny('control');
      if (!isPid(pid)) return BADARG;
      if (a.ended) return NOPROC;
      return node.unlink(a.pid, pid) ? OK : NOPROC;
    },

    monitor(pid: number): number {
      const a = cur('monitor');
      if (!caps.control) return deny('control');
      if (!isPid(pid)) return BADARG;
      if (a.ended) return NOPROC;
      return node.monitor(a.pid, pid);
    },

    demonitor(ref: number): number {
      cur('demonitor');
      if (!caps.control) return deny('control');
      return node.demonitor(ref) ? OK : NOPROC;
    },

    trap_exit(on: number): number {
      const a = cur('trap_exit');
      if (!caps.control) return deny('control');
      if (a.ended) return NOPROC;
      node.trapExit(a.pid, on !== 0);
      return OK;
    },

    exit(ptr: number, len: number): void {
      const a = cur('exit');
      const reason = len === 0 ? 'normal' : text(ptr, len, 'exit');
      a.exitReason = reason.length === 0 ? 'normal' : reason;
    },

    exit_signal(pid: number, ptr: number, len: number): number {
      const a = cur('exit_signal');
      const reason = text(ptr, len, 'exit_signal');
      if (!caps.control) return deny('control');
      if (!isPid(pid) || reason.length === 0) return BADARG;
      // An ended actor (inside its own wactor_stop, or ended by its own call) signals nothing.
      const ctx = active('exit_signal').ctx;
      if (a.ended || ctx === undefined) return NOPROC;
      return ctx.exitSignal(pid, reason) ? OK : NOPROC;
    },

    send_after(pid: number, ms: number, ptr: number, len: number): number {
      const a = cur('send_after');
      const bytes = copy(ptr, len, 'send_after');
      if (!caps.timers) return deny('timers');
      if (!isPid(pid) || !(ms >= 0) || !Number.isFinite(ms)) return BADARG;
      if (len > host.maxMessageBytes) return TOO_LARGE;
      const now = host.clock.now();
      let timers = a.timers;
      if (timers === undefined) timers = a.timers = new Map();
      else if (timers.size >= host.maxTimers) {
        // Forget timers that are due (fired or about to); only then is the actor really at its limit.
        for (const [id, t] of timers) if (t.due <= now) timers.delete(id);
        if (timers.size >= host.maxTimers) return LIMIT;
      }
      const id = host.nextTimerId();
      timers.set(id, { ref: node.sendAfter(pid, ms, bytes), due: now + ms });
      return id;
    },

    cancel_timer(id: number): number {
      const a = cur('cancel_timer');
      if (!caps.timers) return deny('timers');
      const t = a.timers?.get(id);
      if (t === undefined) return NOPROC;
      a.timers!.delete(id);
      return t.ref.cancel() ? OK : NOPROC;
    },

    log(level: number, ptr: number, len: number): number {
      const a = cur('log');
      const msg = text(ptr, len, 'log');
      if (!caps.log) return deny('log');
      const l = LOG_LEVELS[level] ?? 'info';
      host.logger[l](`[wasm ${module.name} ${a.pid}] ${msg}`, { pid: a.pid, module: module.name });
      return OK;
    },

    run_job(namePtr: number, nameLen: number, argsPtr: number, argsLen: number, timeoutMs: number): number {
      const a = cur('run_job');
      const n = name(namePtr, nameLen, 'run_job');
      const args = copy(argsPtr, argsLen, 'run_job');
      if (!caps.jobs) return deny('jobs');
      if (n === undefined || !(timeoutMs >= 0) || !Number.isFinite(timeoutMs)) return BADARG;
      if (argsLen > host.maxMessageBytes) return TOO_LARGE;
      if (node.runJob === undefined) return NOPROC;
      const id = host.nextJobId();
      const started = node.runJob({ name: n, args, replyTo: a.pid, id, timeoutMs });
      if (started === 'unknown') return NO_MODULE;
      return started === 'started' ? id : REFUSED;
    },

    now: (): number => host.clock.now(),

    random(ptr: number, len: number): number {
      ptr >>>= 0;
      const u8 = active('random').check(ptr, len, 'random');
      if (len > MAX_RANDOM_BYTES) return BADARG;
      webcrypto.getRandomValues(u8.subarray(ptr, ptr + len));
      return OK;
    },
  };

  const env = {
    abort(msg: number, file: number, line: number, col: number): never {
      const where = file === 0 ? '' : ` at ${asString(file)}:${line}:${col}`;
      throw new GuestFault(`abort: ${msg === 0 ? '(no message)' : asString(msg)}${where}`);
    },
    trace(msg: number, n: number, ...args: number[]): void {
      if (!caps.log) {
        deny('log');
        return;
      }
      const inst = module.active;
      const pid: Pid | undefined = inst !== undefined && inst.depth > 0 ? inst.cur?.pid : undefined;
      host.logger.debug(
        `[wasm ${module.name} ${pid ?? '-'}] trace: ${asString(msg)} ${args.slice(0, n).join(', ')}`,
      );
    },
    seed: (): number => Math.random() * Number.MAX_SAFE_INTEGER,
  };

  return { wactor, env };
}
