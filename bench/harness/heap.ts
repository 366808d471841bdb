/**
 * Forcing a full garbage collection and reading the heap, for memory-per-process figures.
 *
 * `global.gc` exists only under `node --expose-gc`. Rather than require the flag (or re-exec the
 * runner), {@link forceGc} turns the flag on at run time with `v8.setFlagsFromString` and fetches the
 * `gc` function from a fresh VM context, where V8 installs it once the flag is set. That works on
 * Node 20+ without a restart; if it ever fails, heap figures are reported as unreliable
 * (`machine.gcAvailable: false`) rather than wrong silently.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFn = () => void;

let cached: GcFn | null | undefined;

function gcFunction(): GcFn | null {
  if (cached !== undefined) return cached;
  const fromGlobal = (globalThis as { gc?: GcFn }).gc;
  if (typeof fromGlobal === 'function') return (cached = fromGlobal);
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    cached = typeof fn === 'function' ? (fn as GcFn) : null;
  } catch {
    cached = null;
  }
  return cached;
}

/** Whether {@link forceGc} really collects. */
export function isGcAvailable(): boolean {
  return gcFunction() !== null;
}

/**
 * Run full collections until the heap stops shrinking (at most 4), so that heap figures count
 * live objects only. Returns false when no GC function is available.
 *
 * @example
 * forceGc(); const before = heapUsed(); spawnMany(); forceGc(); const perItem = (heapUsed() - before) / n;
 */
export function forceGc(): boolean {
  const gc = gcFunction();
  if (gc === null) return false;
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    gc();
    const used = heapUsed();
    if (used >= last * 0.999) break;
    last = used;
  }
  return true;
}

/** Bytes of JS heap in use now. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}
