/**
 * Builds tiny WebAssembly binaries by hand for load-validation tests (modules that are wrong on
 * purpose: a missing export, a mistyped export, a forbidden import, a body that fails
 * validation). Function bodies return a zero of their result type unless given raw `code`.
 */
const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };
const ZERO: Record<string, number[]> = {
  i32: [0x41, 0],
  i64: [0x42, 0],
  f32: [0x43, 0, 0, 0, 0],
  f64: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
};

export interface FuncSig {
  readonly params: readonly string[];
  readonly results: readonly string[];
  /** The i32 the body returns (default 0; only for a single i32 result). */
  readonly value?: number;
  /** Raw instructions for the body instead (before its `end`), e.g. ones that fail validation. */
  readonly code?: readonly number[];
}

export type ImportSpec =
  | ({ readonly module: string; readonly name: string; readonly kind: 'func' } & FuncSig)
  | {
      readonly module: string;
      readonly name: string;
      readonly kind: 'memory';
      readonly min: number;
      readonly max?: number;
    }
  | { readonly module: string; readonly name: string; readonly kind: 'global' };

export interface ModuleSpec {
  readonly imports?: readonly ImportSpec[];
  readonly funcs?: readonly (FuncSig & { readonly export?: string })[];
  /** Export a memory under this name (defines one if there is no imported memory). */
  readonly exportMemory?: string;
}

function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...u32(b.length), ...b];
}

function vec(items: number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

/** The binary of a module per `spec`. */
export function buildModule(spec: ModuleSpec): Uint8Array {
  const types: FuncSig[] = [];
  const typeIndex = (s: FuncSig): number => {
    const key = `${s.params.join()}|${s.results.join()}`;
    const i = types.findIndex((t) => `${t.params.join()}|${t.results.join()}` === key);
    if (i >= 0) return i;
    types.push(s);
    return types.length - 1;
  };
  const imports = spec.imports ?? [];
  const funcs = spec.funcs ?? [];
  const importBodies: number[][] = [];
  let importedFuncs = 0;
  let hasMemory = false;
  for (const imp of imports) {
    const head = [...str(imp.module), ...str(imp.name)];
    if (imp.kind === 'func') {
      importBodies.push([...head, 0x00, ...u32(typeIndex(imp))]);
      importedFuncs++;
    } else if (imp.kind === 'memory') {
      hasMemory = true;
      importBodies.push([
        ...head,
        0x02,
        imp.max === undefined ? 0x00 : 0x01,
        ...u32(imp.min),
        ...(imp.max === undefined ? [] : u32(imp.max)),
      ]);
    } else {
      importBodies.push([...head, 0x03, VALTYPE.i32!, 0x00]);
    }
  }
  const funcTypes = funcs.map((f) => typeIndex(f));
  const exports: number[][] = [];
  funcs.forEach((f, i) => {
    if (f.export !== undefined) exports.push([...str(f.export), 0x00, ...u32(importedFuncs + i)]);
  });
  if (spec.exportMemory !== undefined) exports.push([...str(spec.exportMemory), 0x02, 0]);
  const bytes = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  bytes.push(
    ...section(
      1,
      vec(
        types.map((t) => [
          0x60,
          ...vec(t.params.map((p) => [VALTYPE[p]!])),
          ...vec(t.results.map((r) => [VALTYPE[r]!])),
        ]),
      ),
    ),
  );
  if (importBodies.length > 0) bytes.push(...section(2, vec(importBodies)));
  if (funcs.length > 0) bytes.push(...section(3, vec(funcTypes.map((t) => u32(t)))));
  if (spec.exportMemory !== undefined && !hasMemory) bytes.push(...section(5, vec([[0x00, 1]])));
  if (exports.length > 0) bytes.push(...section(7, vec(exports)));
  if (funcs.length > 0) {
    const bodies = funcs.map((f) => {
      const result =
        f.code !== undefined
          ? [...f.code]
          : f.value !== undefined && f.results.length === 1 && f.results[0] === 'i32'
            ? [0x41, ...u32(f.value)]
            : f.results.flatMap((r) => ZERO[r]!);
      const code = [0x00, ...result, 0x0b];
      return [...u32(code.length), ...code];
    });
    bytes.push(...section(10, vec(bodies)));
  }
  return new Uint8Array(bytes);
}

/** The ABI's required exports, as builder specs (override one to break it). */
export const ABI_EXPORTS: readonly (FuncSig & { export: string })[] = [
  { export: 'wactor_abi', params: [], results: ['i32'], value: 1 },
  { export: 'wactor_inbox', params: ['i32'], results: ['i32'], value: 16 },
  { export: 'wactor_init', params: ['i32', 'i32', 'f64'], results: [] },
  { export: 'wactor_receive', params: ['i32', 'i32'], results: [] },
  { export: 'wactor_signal', params: ['i32', 'i32', 'f64', 'f64', 'i32', 'i32'], results: [] },
  { export: 'wactor_stop', params: ['i32', 'i32'], results: [] },
];

export const MEMORY_IMPORT: Extract<ImportSpec, { kind: 'memory' }> = {
  module: 'env',
  name: 'memory',
  kind: 'memory',
  min: 1,
};
