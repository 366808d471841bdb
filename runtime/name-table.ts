/**
 * The node-local name registry of a runtime: name → process, and each process's own list of
 * names so its exit releases them all. Arguments are checked by the caller (`Runtime.register`
 * and friends), which owns the rules and the error messages.
 *
 * @example
 * const names = new NameTable();
 * names.add('kv', proc);      // true; false if 'kv' is taken
 * names.get('kv')?.self;      // proc's pid
 * names.releaseAll(proc);     // on exit
 */
import type { Proc } from './process.js';

export class NameTable {
  readonly #byName = new Map<string, Proc>();

  /** Give `p` the name `name`; false if the name is taken. A process may hold several. */
  add(name: string, p: Proc): boolean {
    if (this.#byName.has(name)) return false;
    this.#byName.set(name, p);
    (p.names ??= []).push(name);
    return true;
  }

  /** Release `name`; false if nobody holds it. */
  delete(name: string): boolean {
    const p = this.#byName.get(name);
    if (p === undefined) return false;
    this.#byName.delete(name);
    const i = p.names!.indexOf(name);
    if (i >= 0) p.names!.splice(i, 1);
    return true;
  }

  get(name: string): Proc | undefined {
    return this.#byName.get(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Release every name `p` holds (it is exiting). */
  releaseAll(p: Proc): void {
    if (p.names === undefined) return;
    for (const name of p.names) this.#byName.delete(name);
    p.names = undefined;
  }
}
