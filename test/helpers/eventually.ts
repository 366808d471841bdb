/**
 * Poll `check` until it stops throwing (or returns a truthy value), within a generous bound.
 * Tests use this instead of sleeping; it never asserts on how long something took.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeout = 10_000, interval = 5 }: { timeout?: number; interval?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value;
      lastError = new Error('condition returned false');
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Let queued microtasks and one macrotask turn run (for a runtime driven by a simulated clock). */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
