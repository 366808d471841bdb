/**
 * Loading a JS actor module inside a shard: an ESM file whose default export is a Behaviour (a
 * receive-loop function or an object with `receive`). Paths are resolved to file URLs by the
 * main thread before they travel, so a shard never depends on its own working directory.
 *
 * @example
 * // actors/echo.js
 * export default { receive(msg, ctx) { ctx.send(msg.from, msg.body); } };
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Behaviour } from '../runtime/types.js';
import { SpawnError } from './errors.js';

/** Turn a user-given module path or URL into an absolute `file:` URL string (main thread). */
export function resolveModule(module: unknown, what = 'spec.module'): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.length === 0) {
    throw new SpawnError(`${what} must be a non-empty path or URL of an ESM module, got ${typeof module}`);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

function isBehaviour(value: unknown): value is Behaviour {
  if (typeof value === 'function') return true;
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { receive?: unknown }).receive === 'function'
  );
}

/** Import `module` and return its default export, checked to be a Behaviour. */
export async function loadBehaviour(module: string): Promise<Behaviour> {
  let ns: { default?: unknown };
  try {
    ns = (await import(module)) as { default?: unknown };
  } catch (err) {
    throw new SpawnError(
      `cannot import actor module ${module}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  if (!isBehaviour(ns.default)) {
    throw new SpawnError(
      `actor module ${module} must default-export a behaviour (a function, or an object with a receive(msg, ctx) method)`,
    );
  }
  return ns.default;
}
