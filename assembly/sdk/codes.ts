// Return codes of the host imports (docs/abi.md, "Return codes").
export const OK: i32 = 0;
export const DENIED: i32 = -1;
export const NOPROC: i32 = -2;
export const BADARG: i32 = -3;
export const REFUSED: i32 = -4;
export const TAKEN: i32 = -5;
export const NO_REQUEST: i32 = -6;
export const NO_MODULE: i32 = -7;
export const TOO_LARGE: i32 = -8;
export const FAILED: i32 = -9;
export const LIMIT: i32 = -10;

/** Log levels for `log`. */
export const DEBUG: i32 = 0;
export const INFO: i32 = 1;
export const WARN: i32 = 2;
export const ERROR: i32 = 3;

/** `spawn` flag: link the child to the caller atomically. */
export const SPAWN_LINK: i32 = 1;
