/**
 * A pid → value table: the runtime's live processes (the Wasm host finds its actors there too).
 *
 * Spawn/exit churn inserts and deletes a pid per actor. A `Map` under that churn keeps growing
 * and shrinking its backing store (each a full rehash), which measured ~150 ns per
 * insert+lookup+delete; this open-addressing table with linear probing, Robin Hood insertion and
 * backward-shift deletion (no tombstones, so it never needs a cleanup rehash) measured ~55 ns. It grows when
 * half full and never shrinks (a table sized for a burst of a million actors stays that size:
 * 16 MiB of keys, then reused).
 *
 * Keys are pids: positive safe integers, so `0` marks an empty slot. Unlike a `Map` it keeps no
 * insertion order; {@link PidTable.pids} sorts instead (a runtime's pids grow with spawn order).
 *
 * @example
 * const table = new PidTable<string>();
 * table.set(1024, 'first');
 * table.get(1024); // 'first'
 * table.delete(1024); // true
 */

const MIN_BITS = 10;

export class PidTable<V> {
  #bits = MIN_BITS;
  #keys = new Float64Array(1 << MIN_BITS);
  #values: (V | undefined)[] = new Array<V | undefined>(1 << MIN_BITS).fill(undefined);
  #size = 0;

  /** Live entries. */
  get size(): number {
    return this.#size;
  }

  /**
   * The home slot. A pid is `serial * 1024 + shard` (pid.ts), and processes are born and die
   * roughly in serial order. Pids of 8 consecutive serials share one aligned group of 8 slots
   * (64 bytes of keys: one cache line), and groups are spread by Fibonacci hashing. Spreading
   * every pid on its own cost a cache miss per set and delete once spawn churn had pushed the
   * table out of cache (the table's `set` was 12–19% of a Wasm spawn+exit profile, 3% with
   * groups; ~500 vs ~180 ns per set+get+delete beside 200k long-lived entries), while placing
   * serials in plain ring order would pile new pids into long runs behind long-lived blocks.
   * `/ 1024 | 0` keeps the serial's low 32 bits for pids beyond 2^32.
   */
  #home(pid: number): number {
    const s = ((pid / 1024) | 0) ^ Math.imul(pid & 1023, 0x9e3779b1);
    return ((Math.imul(s >>> 3, 0x9e3779b1) >>> (32 - this.#bits)) & ~7) | (s & 7);
  }

  get(pid: number): V | undefined {
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let i = this.#home(pid); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === pid) return this.#values[i];
      if (k === 0) return undefined;
    }
  }

  has(pid: number): boolean {
    return this.get(pid) !== undefined;
  }

  /** Insert or replace; `pid` must be a positive number and `value` not undefined. */
  set(pid: number, value: V): void {
    if ((this.#size + 1) * 2 > this.#keys.length) this.#grow();
    const keys = this.#keys;
    const values = this.#values;
    const mask = keys.length - 1;
    let i = this.#home(pid);
    // Robin Hood: the entry being placed takes the slot of a resident nearer its own home (which
    // then moves on), so every probe run is ordered by home slot. That is what lets `delete`
    // stop shifting at the first entry sitting at its home. `pid` cannot be further on once a
    // nearer-to-home resident is met, so the swap happens only for a new key.
    let key = pid;
    let val = value;
    for (let dist = 0; ; i = (i + 1) & mask, dist++) {
      const k = keys[i]!;
      if (k === 0) break;
      if (k === key) {
        values[i] = val;
        return;
      }
      const kd = (i - this.#home(k)) & mask;
      if (kd < dist) {
        const v = values[i] as V;
        keys[i] = key;
        values[i] = val;
        key = k;
        val = v;
        dist = kd;
      }
    }
    keys[i] = key;
    values[i] = val;
    this.#size++;
  }

  delete(pid: number): boolean {
    const keys = this.#keys;
    const values = this.#values;
    const mask = keys.length - 1;
    let i = this.#home(pid);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === 0) return false;
      if (k === pid) break;
    }
    // Backward-shift deletion: pull the rest of the probe run back one slot, up to the first
    // empty slot or entry at its home (runs are ordered by home, see `set`, so nothing after
    // that entry belongs before it). Under spawn/exit churn the next slot usually holds the next
    // serial at its home, so a delete stops after one look instead of walking the whole run.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === 0 || this.#home(k) === j) break;
      keys[i] = k;
      values[i] = values[j];
      i = j;
    }
    keys[i] = 0;
    values[i] = undefined;
    this.#size--;
    return true;
  }

  /** The live keys in ascending order (for one runtime's pids: oldest first). */
  pids(): number[] {
    const out: number[] = [];
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) out.push(keys[i]!);
    return out.sort((a, b) => a - b);
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    this.#bits++;
    this.#keys = new Float64Array(1 << this.#bits);
    this.#values = new Array<V | undefined>(1 << this.#bits).fill(undefined);
    this.#size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== 0) this.set(oldKeys[i]!, oldValues[i] as V);
    }
  }
}
