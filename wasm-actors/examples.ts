/**
 * The example actors of assembly/actors/, as built by `npm run build:as` into assembly/build/
 * (shipped with the package). Handy for demos, benchmarks and tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../runtime/errors.js';
import { assertPid, describe } from '../runtime/pid.js';
import type { Pid } from '../runtime/types.js';

/**
 * The example guests.
 *
 * @example
 * for (const name of EXAMPLE_GUESTS) host.loadSync(name, exampleGuestBytes(name));
 */
export const EXAMPLE_GUESTS = [
  'counter',
  'crasher',
  'denied',
  'echo',
  'greeter',
  'jobber',
  'kv',
  'memhog',
  'overseer',
  'ping',
  'pong',
  'spinner',
] as const;

export type ExampleGuest = (typeof EXAMPLE_GUESTS)[number];

/**
 * The path of a built example guest; throws a clear error if it has not been built.
 *
 * @example
 * await host.load('echo', exampleGuestPath('echo'));
 */
export function exampleGuestPath(name: ExampleGuest): string {
  // This file runs from wasm-actors/ (sources, tests) or dist/wasm-actors/ (the package).
  for (const rel of ['../assembly/build/', '../../assembly/build/']) {
    const path = fileURLToPath(new URL(`${rel}${name}.wasm`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(
    `the example guest '${name}' is not built (assembly/build/${name}.wasm): run \`npm run build:as\``,
  );
}

/** The bytes of a built example guest (see {@link exampleGuestPath}). */
export function exampleGuestBytes(name: ExampleGuest): Uint8Array {
  return new Uint8Array(readFileSync(exampleGuestPath(name)));
}

/**
 * The spawn arguments of the `ping` example guest: `[pong pid f64][report pid f64][rounds u32]
 * [in flight u32]`, little-endian (the layout assembly/actors/ping.ts reads). Ping keeps
 * `inflight` messages bouncing off `pong` until `rounds` replies came back, then sends "done" to
 * `report`.
 *
 * @example
 * host.spawn('ping', examplePingArgs(pong, report, 1000, 1));
 */
export function examplePingArgs(pong: Pid, report: Pid, rounds: number, inflight: number): Uint8Array {
  assertPid(pong, 'examplePingArgs: pong');
  assertPid(report, 'examplePingArgs: report');
  for (const [what, n] of [
    ['rounds', rounds],
    ['inflight', inflight],
  ] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) {
      throw new InvalidArgumentError(
        `examplePingArgs: ${what} must be an integer in 0..2^32-1, got ${describe(n)}`,
      );
    }
  }
  const dv = new DataView(new ArrayBuffer(24));
  dv.setFloat64(0, pong, true);
  dv.setFloat64(8, report, true);
  dv.setUint32(16, rounds, true);
  dv.setUint32(20, inflight, true);
  return new Uint8Array(dv.buffer);
}
