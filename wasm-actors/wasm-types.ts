/**
 * The slice of the WebAssembly JS API the host uses, typed here because the project's `lib`
 * (ES2022 + @types/node 20) does not declare the `WebAssembly` global. Module-scoped on purpose:
 * no global declarations leak into other folders or into the emitted `.d.ts` files.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled module (`WasmCompiledModule`). */
export interface WasmCompiledModule {
  readonly [Symbol.toStringTag]: string;
}

export interface WasmInstanceObject {
  readonly exports: Record<string, unknown>;
}

export type WasmImports = Record<string, Record<string, unknown>>;

export interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => WasmCompiledModule;
  readonly Instance: new (module: WasmCompiledModule, imports: WasmImports) => WasmInstanceObject;
  readonly Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<WasmCompiledModule>;
}

/** The `WebAssembly` global, typed. */
export const wasm: WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
