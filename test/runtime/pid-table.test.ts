import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PidTable } from '../../runtime/pid-table.js';

type Op = readonly [kind: 'set' | 'delete' | 'get', pid: number];

/** Run `ops` on a PidTable and a Map side by side, comparing every answer and the end state. */
function checkAgainstMap(ops: readonly Op[]): void {
  const table = new PidTable<number>();
  const map = new Map<number, number>();
  ops.forEach(([kind, p], i) => {
    if (kind === 'set') {
      table.set(p, i);
      map.set(p, i);
    } else if (kind === 'delete') {
      expect(table.delete(p)).toBe(map.delete(p));
    } else {
      expect(table.get(p)).toBe(map.get(p));
    }
  });
  expect(table.size).toBe(map.size);
  for (const [p, v] of map) expect(table.get(p)).toBe(v);
  expect(table.pids()).toEqual([...map.keys()].sort((x, y) => x - y));
}

describe('PidTable (the live-process table of the runtime)', () => {
  it('behaves like a Map under any sequence of set, delete and get', () => {
    const pid = fc
      .tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 3 }))
      .map(([serial, shard]) => serial * 1024 + shard);
    const op = fc.tuple(fc.constantFrom('set' as const, 'delete' as const, 'get' as const), pid);
    fc.assert(fc.property(fc.array(op, { maxLength: 3000 }), checkAgainstMap), { numRuns: 60 });
  });

  it('behaves like a Map for scattered pids (probe runs that mix homes, so Robin Hood swaps)', () => {
    // Any shard, serials from a small range: homes collide across groups, runs interleave. A
    // dense pool and long sequences (fast-check's default sizes are too small to find a lost
    // entry: with plain linear probing and the early-stopping delete this fails).
    const pid = fc
      .tuple(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 0, max: 1023 }))
      .map(([serial, shard]) => serial * 1024 + shard);
    const op = fc.tuple(
      fc.constantFrom('set' as const, 'set' as const, 'delete' as const, 'get' as const),
      fc.nat(),
    );
    fc.assert(
      fc.property(
        fc.array(pid, { minLength: 200, maxLength: 600 }),
        fc.array(op, { minLength: 1000, maxLength: 4000 }),
        (pool, ops) => checkAgainstMap(ops.map(([kind, n]): Op => [kind, pool[n % pool.length]!])),
      ),
      { numRuns: 25 },
    );
  });

  it('grows past its initial size and finds every entry after deletes in the middle of runs', () => {
    const table = new PidTable<string>();
    const pids = Array.from({ length: 5000 }, (_, i) => (i + 1) * 1024 + (i % 7));
    for (const p of pids) table.set(p, `v${p}`);
    expect(table.size).toBe(5000);
    for (let i = 0; i < pids.length; i += 3) expect(table.delete(pids[i]!)).toBe(true);
    for (let i = 0; i < pids.length; i++) {
      expect(table.get(pids[i]!)).toBe(i % 3 === 0 ? undefined : `v${pids[i]}`);
      expect(table.has(pids[i]!)).toBe(i % 3 !== 0);
    }
    expect(table.delete(pids[0]!)).toBe(false);
    expect(table.get(12345 * 1024)).toBeUndefined();
  });

  it('handles pids above 2^32 (shard serials near the top of the safe range)', () => {
    const table = new PidTable<number>();
    const big = [2 ** 40 + 1024, 2 ** 52 + 2048, Number.MAX_SAFE_INTEGER - 1, 2 ** 32 + 1024];
    big.forEach((p, i) => {
      table.set(p, i);
    });
    big.forEach((p, i) => {
      expect(table.get(p)).toBe(i);
    });
    expect(table.delete(big[1]!)).toBe(true);
    expect(table.get(big[1]!)).toBeUndefined();
    expect(table.get(big[2]!)).toBe(2);
  });
});
