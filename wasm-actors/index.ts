/**
 * Wasm actors: run AssemblyScript (or any ABI-conforming) WebAssembly modules as wactor
 * processes. See docs/abi.md for the ABI and docs/guests.md for writing guests.
 *
 * @example
 * import { Runtime } from 'wactor';
 * import { WasmHost, wasmRequest } from 'wactor/wasm-actors';
 * const rt = new Runtime();
 * const host = new WasmHost(rt);
 * await host.load('greeter', 'assembly/build/greeter.wasm');
 * const greeter = host.spawn('greeter', 'ada');
 * rt.spawn(async (ctx) => {
 *   ctx.send(greeter, wasmRequest(ctx.self, 'bob'));
 *   console.log(new TextDecoder().decode(await ctx.receive())); // hello bob, I am ada
 * });
 */
export * as abi from './abi.js';
export type { Capabilities, Grants, Profile } from './capabilities.js';
export {
  WasmBadExportError,
  WasmBadImportError,
  WasmForbiddenImportError,
  WasmInstantiateError,
  WasmInvalidModuleError,
  WasmLoadError,
  WasmMissingExportError,
  WasmModuleExistsError,
  WasmTrapError,
  WasmUnknownModuleError,
} from './errors.js';
export {
  EXAMPLE_GUESTS,
  type ExampleGuest,
  exampleGuestBytes,
  exampleGuestPath,
  examplePingArgs,
} from './examples.js';
export {
  type HostNode,
  WasmHost,
  type WasmHostOptions,
  type WasmHostStats,
  type WasmModuleInfo,
} from './host.js';
export { type WasmRequest, wasmRequest } from './messages.js';
export type { HostingMode, LoadOptions, WasmModuleStats } from './module.js';
