import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, silentLogger } from '../../runtime/index.js';
import { WasmHost, WasmLoadError } from '../../wasm-actors/index.js';
import { ensureGuests, guestBytes } from './guests.js';

let rt: Runtime;
let host: WasmHost;
let seq = 0;

beforeAll(() => {
  ensureGuests();
  rt = new Runtime({ logger: silentLogger });
  host = new WasmHost(rt, { logger: silentLogger });
});
afterAll(async () => {
  await host.close();
  await rt.shutdown();
});

/** Loading never throws anything but a WasmLoadError, whatever the bytes. */
function loadOutcome(bytes: Uint8Array): 'loaded' | 'rejected' {
  try {
    host.loadSync(`m${seq++}`, bytes);
    return 'loaded';
  } catch (err) {
    expect(err).toBeInstanceOf(WasmLoadError);
    expect((err as WasmLoadError).message).toMatch(/^cannot load wasm module 'm\d+': /);
    return 'rejected';
  }
}

/** Offset of the first section with id `id` (sizes are LEB128). */
function sectionOffset(bytes: Uint8Array, id: number): number {
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos;
    const sid = bytes[pos++]!;
    let size = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[pos++]!;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (sid === id) return start;
    pos += size;
  }
  return bytes.length;
}

describe('loading arbitrary bytes', () => {
  it('random bytes are rejected with a WasmLoadError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(loadOutcome(bytes)).toBe('rejected');
      }),
    );
  });

  it('a real guest truncated anywhere never escapes as another error', () => {
    const echo = guestBytes('echo');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: echo.length - 1 }), (at) => {
        loadOutcome(echo.slice(0, at));
      }),
      { numRuns: 200 },
    );
  });

  it('a real guest with a header byte flipped never escapes as another error', () => {
    const echo = guestBytes('echo');
    // Flip only bytes before the code section: a flipped instruction could loop forever in the
    // start function, which is a watchdog's problem, not the loader's.
    const codeStart = sectionOffset(echo, 10);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: codeStart - 1 }),
        fc.integer({ min: 0, max: 255 }),
        (at, value) => {
          const bytes = echo.slice();
          bytes[at] = value;
          loadOutcome(bytes);
        },
      ),
      { numRuns: 200 },
    );
  });
});
