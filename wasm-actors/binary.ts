/**
 * A minimal reader of a WebAssembly binary's type, import, function and export sections — just
 * enough to validate a guest against the ABI at load time. `WebAssembly.Module.imports/exports`
 * report only kinds (Node 20 has no type reflection), so signatures and memory limits are read
 * here. Anything malformed throws a plain Error whose message says where; the loader wraps it.
 */
import type { Signature } from './abi.js';

export type ExternKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface MemoryLimits {
  readonly minimum: number;
  readonly maximum: number | undefined;
  readonly shared: boolean;
  readonly memory64: boolean;
}

export interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternKind;
  /** For functions. */
  readonly signature?: Signature;
  /** For memories. */
  readonly limits?: MemoryLimits;
}

export interface ExportEntry {
  readonly name: string;
  readonly kind: ExternKind;
  /** For functions. */
  readonly signature?: Signature;
}

export interface ModuleShape {
  readonly imports: readonly ImportEntry[];
  readonly exports: readonly ExportEntry[];
}

const KINDS: readonly ExternKind[] = ['function', 'table', 'memory', 'global', 'tag'];
const VALTYPES: Readonly<Record<number, string>> = {
  127: 'i32',
  126: 'i64',
  125: 'f32',
  124: 'f64',
  123: 'v128',
  112: 'funcref',
  111: 'externref',
};

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    public end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new Error(`unexpected end of data at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error(`LEB128 too long at byte ${this.pos}`);
    }
  }

  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new Error(`name runs past its section at byte ${this.pos}`);
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  valtype(): string {
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) throw new Error(`unknown value type 0x${b.toString(16)} at byte ${this.pos - 1}`);
    return t;
  }

  limits(): MemoryLimits {
    const flags = this.byte();
    const minimum = this.u32();
    const maximum = (flags & 1) !== 0 ? this.u32() : undefined;
    return { minimum, maximum, shared: (flags & 2) !== 0, memory64: (flags & 4) !== 0 };
  }
}

/** Read the import and export shape of a module (signatures resolved). */
export function readModuleShape(bytes: Uint8Array): ModuleShape {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('missing the \\0asm magic number (not a WebAssembly binary)');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new Error('unsupported WebAssembly binary version');
  }
  const types: Signature[] = [];
  const imports: ImportEntry[] = [];
  const funcTypes: number[] = []; // type index of every function: imported first, then defined
  const rawExports: { name: string; kind: ExternKind; index: number }[] = [];
  const r = new Reader(bytes, bytes.length);
  r.pos = 8;
  while (r.pos < bytes.length) {
    r.end = bytes.length;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) throw new Error(`section ${id} runs past the end of the module`);
    r.end = end;
    if (id === 1) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        const form = r.byte();
        if (form !== 0x60) throw new Error(`type ${i} is not a function type (0x${form.toString(16)})`);
        const params: string[] = [];
        for (let p = r.u32(), j = 0; j < p; j++) params.push(r.valtype());
        const results: string[] = [];
        for (let q = r.u32(), j = 0; j < q; j++) results.push(r.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kindByte = r.byte();
        const kind = KINDS[kindByte];
        if (kind === undefined) throw new Error(`import ${module}.${name} has unknown kind ${kindByte}`);
        if (kind === 'function') {
          const t = r.u32();
          const signature = types[t];
          if (signature === undefined) throw new Error(`import ${module}.${name} uses unknown type ${t}`);
          funcTypes.push(t);
          imports.push({ module, name, kind, signature });
        } else if (kind === 'memory') {
          imports.push({ module, name, kind, limits: r.limits() });
        } else if (kind === 'table') {
          r.valtype();
          r.limits();
          imports.push({ module, name, kind });
        } else if (kind === 'global') {
          r.valtype();
          r.byte();
          imports.push({ module, name, kind });
        } else {
          r.byte();
          r.u32();
          imports.push({ module, name, kind });
        }
      }
    } else if (id === 3) {
      for (let n = r.u32(), i = 0; i < n; i++) funcTypes.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(), i = 0; i < n; i++) {
        const name = r.name();
        const kindByte = r.byte();
        const kind = KINDS[kindByte];
        if (kind === undefined) throw new Error(`export ${name} has unknown kind ${kindByte}`);
        rawExports.push({ name, kind, index: r.u32() });
      }
    }
    r.pos = end;
  }
  const exports: ExportEntry[] = rawExports.map(({ name, kind, index }) => {
    if (kind !== 'function') return { name, kind };
    const t = funcTypes[index];
    const signature = t === undefined ? undefined : types[t];
    if (signature === undefined) throw new Error(`export ${name} refers to unknown function ${index}`);
    return { name, kind, signature };
  });
  return { imports, exports };
}
