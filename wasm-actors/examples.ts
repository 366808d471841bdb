/**
 * The example actors of assembly/actors/, as built by `npm run build:as` into assembly/build/
 * (shipped with the package). Handy for demos, benchmarks and tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
