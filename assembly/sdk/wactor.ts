// The raw host imports (module `wactor`), exactly as docs/abi.md lists them. Actors use the
// wrappers in ./api.ts; these stay raw (pointers and lengths) so the hot path costs one call.

export declare function self(): f64;
export declare function send(pid: f64, ptr: usize, len: i32): i32;
export declare function send_named(namePtr: usize, nameLen: i32, ptr: usize, len: i32): i32;
export declare function request(pid: f64, ptr: usize, len: i32): i32;
export declare function reply(ptr: usize, len: i32): i32;
export declare function sender(): f64;
export declare function register(namePtr: usize, nameLen: i32): i32;
export declare function unregister(namePtr: usize, nameLen: i32): i32;
export declare function whereis(namePtr: usize, nameLen: i32): f64;
export declare function spawn(modPtr: usize, modLen: i32, argsPtr: usize, argsLen: i32, flags: i32): f64;
export declare function link(pid: f64): i32;
export declare function unlink(pid: f64): i32;
export declare function monitor(pid: f64): f64;
export declare function demonitor(ref: f64): i32;
export declare function trap_exit(on: i32): i32;
export declare function exit(reasonPtr: usize, reasonLen: i32): void;
export declare function exit_signal(pid: f64, reasonPtr: usize, reasonLen: i32): i32;
export declare function send_after(pid: f64, ms: f64, ptr: usize, len: i32): f64;
export declare function cancel_timer(id: f64): i32;
export declare function log(level: i32, ptr: usize, len: i32): i32;
export declare function now(): f64;
export declare function random(ptr: usize, len: i32): i32;
export declare function run_job(
  namePtr: usize,
  nameLen: i32,
  argsPtr: usize,
  argsLen: i32,
  timeoutMs: f64,
): f64;
