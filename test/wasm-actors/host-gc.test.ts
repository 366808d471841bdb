import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../runtime/index.js';
import { WasmBadExportError, type WasmHost } from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { collector, guestBytes, pingArgs, useWasmHost } from './guests.js';
import { ABI_EXPORTS, buildModule, MEMORY_IMPORT } from './wasm-builder.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();
function setup(): void {
  ({ rt, host } = start());
}

describe('host-driven garbage collection (guests built with the minimal runtime)', () => {
  it('50k actors come and go in one shared instance capped at 2 pages: the host collects', async () => {
    setup();
    // echo is built with `// @wactor runtime=minimal`: every actor object it allocates is
    // garbage once the actor stops, and only the host's __collect calls reclaim it.
    host.loadSync('echo', guestBytes('echo'), { mode: 'shared', grants: { maxMemoryPages: 2 } });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) host.spawn('echo', 'exit');
      // Let the round end before the next: the runtime yields by time too (tickBudgetMs), so on
      // a busy machine one event-loop turn may not run all 1000 inits, and 2 pages hold only
      // about one round's worth of live actors.
      await eventually(() => expect(host.stats().modules.echo?.live).toBe(0));
    }
    await eventually(() => expect(host.stats().modules.echo?.live).toBe(0));
    const stats = host.stats().modules.echo!;
    expect(stats).toMatchObject({ spawned: 50_000, trapped: 0, instancesCreated: 1 });
    expect(stats.memoryBytes).toBeLessThanOrEqual(2 * 65536);
  });

  it('a long ping-pong between minimal-runtime guests stays within a 2-page cap', async () => {
    setup();
    host.loadSync('ping', guestBytes('ping'), { grants: { maxMemoryPages: 2 } });
    host.loadSync('pong', guestBytes('pong'), { grants: { maxMemoryPages: 2 } });
    const report = collector(rt);
    const pong = host.spawn('pong');
    host.spawn('ping', pingArgs(pong, report.pid, 100_000, 8));
    await eventually(() => expect(report.texts()).toEqual(['done']), { timeout: 30_000 });
    expect(host.stats().modules.ping?.trapped).toBe(0);
  });

  it('a __collect export with the wrong type is a load error', () => {
    setup();
    const funcs = [...ABI_EXPORTS, { export: '__collect', params: ['i32'], results: [] }];
    const bytes = buildModule({ imports: [MEMORY_IMPORT], funcs });
    expect(() => host.loadSync('odd-gc', bytes)).toThrow(WasmBadExportError);
    expect(() => host.loadSync('odd-gc', bytes)).toThrow(
      /optional export __collect must be a function \(\) -> void/,
    );
  });
});
