// The actor-facing API: thin wrappers over the raw imports that take AssemblyScript strings and
// Uint8Arrays. Every function returns the import's ABI code (see ./codes.ts) unless noted.
import { aLen, bLen, encodeA, encodeB } from './scratch';
import * as host from './wactor';

/** This actor's pid. */
export function self(): f64 {
  return host.self();
}

/** Send bytes to a pid. */
export function send(pid: f64, data: Uint8Array): i32 {
  return host.send(pid, data.dataStart, data.byteLength);
}

/** Send UTF-8 text to a pid. */
export function sendText(pid: f64, text: string): i32 {
  const p = encodeA(text);
  return host.send(pid, p, aLen);
}

/** Send raw memory (no copy inside the guest; the host copies). */
export function sendRaw(pid: f64, ptr: usize, len: i32): i32 {
  return host.send(pid, ptr, len);
}

/** Send bytes to the process registered under `name`. */
export function sendNamed(name: string, data: Uint8Array): i32 {
  const n = encodeA(name);
  return host.send_named(n, aLen, data.dataStart, data.byteLength);
}

/** Send UTF-8 text to the process registered under `name`. */
export function sendNamedText(name: string, text: string): i32 {
  const n = encodeA(name);
  const t = encodeB(text);
  return host.send_named(n, aLen, t, bLen);
}

/** Send a request (the receiver can `reply`) with UTF-8 text. */
export function requestText(pid: f64, text: string): i32 {
  const p = encodeA(text);
  return host.request(pid, p, aLen);
}

/** Register this actor under `name`. */
export function register(name: string): i32 {
  const n = encodeA(name);
  return host.register(n, aLen);
}

/** Release `name`. */
export function unregister(name: string): i32 {
  const n = encodeA(name);
  return host.unregister(n, aLen);
}

/** The pid registered under `name`, 0 if none (negative: an ABI code). */
export function whereis(name: string): f64 {
  const n = encodeA(name);
  return host.whereis(n, aLen);
}

/** Spawn an actor of a module registered with the host (needs the `spawn` capability). */
export function spawn(module: string, args: Uint8Array | null = null, flags: i32 = 0): f64 {
  const m = encodeA(module);
  const argsPtr = args === null ? 0 : args.dataStart;
  const argsLen = args === null ? 0 : args.byteLength;
  return host.spawn(m, aLen, argsPtr, argsLen, flags);
}

/** Spawn with UTF-8 text as the arguments. */
export function spawnText(module: string, args: string, flags: i32 = 0): f64 {
  const m = encodeA(module);
  const a = encodeB(args);
  return host.spawn(m, aLen, a, bLen, flags);
}

export function link(pid: f64): i32 {
  return host.link(pid);
}

export function unlink(pid: f64): i32 {
  return host.unlink(pid);
}

/** Monitor a pid; the ref (> 0) or an ABI code. Down notices arrive in `Actor.onDown`. */
export function monitor(pid: f64): f64 {
  return host.monitor(pid);
}

export function demonitor(ref: f64): i32 {
  return host.demonitor(ref);
}

/** Trap exit signals; they arrive in `Actor.onExit`. */
export function trapExit(on: bool): i32 {
  return host.trap_exit(on ? 1 : 0);
}

/** End this actor with `reason` once the current call returns. */
export function exit(reason: string = 'normal'): void {
  // An empty reason is `normal` to the host: the common case passes no text at all.
  if (reason == 'normal') {
    host.exit(0, 0);
    return;
  }
  const r = encodeA(reason);
  host.exit(r, aLen);
}

/** Send an exit signal to another process (`"kill"` cannot be trapped). */
export function exitSignal(pid: f64, reason: string): i32 {
  const r = encodeA(reason);
  return host.exit_signal(pid, r, aLen);
}

/** Send bytes to `pid` after `ms` milliseconds; the timer id or an ABI code. */
export function sendAfter(pid: f64, ms: f64, data: Uint8Array): f64 {
  return host.send_after(pid, ms, data.dataStart, data.byteLength);
}

export function cancelTimer(id: f64): i32 {
  return host.cancel_timer(id);
}

/** Log UTF-8 text at a level (0 debug … 3 error); needs the `log` capability. */
export function log(level: i32, text: string): i32 {
  const t = encodeA(text);
  return host.log(level, t, aLen);
}

/** Milliseconds on the runtime's clock. */
export function now(): f64 {
  return host.now();
}

/** `n` cryptographically random bytes. */
export function randomBytes(n: i32): Uint8Array {
  const out = new Uint8Array(n);
  host.random(out.dataStart, n);
  return out;
}
