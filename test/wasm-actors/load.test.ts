import { describe, expect, it } from 'vitest';
import { ClosedError, InvalidArgumentError, type Runtime } from '../../runtime/index.js';
import {
  WasmBadExportError,
  WasmBadImportError,
  WasmForbiddenImportError,
  type WasmHost,
  WasmInstantiateError,
  WasmInvalidModuleError,
  WasmMissingExportError,
  WasmModuleExistsError,
  WasmUnknownModuleError,
} from '../../wasm-actors/index.js';
import { eventually } from '../helpers/eventually.js';
import { guestBytes, guestPath, useWasmHost } from './guests.js';
import { ABI_EXPORTS, buildModule, MEMORY_IMPORT } from './wasm-builder.js';

let rt: Runtime;
let host: WasmHost;

const start = useWasmHost();
function setup(): void {
  ({ rt, host } = start());
}
const without = (name: string) => ABI_EXPORTS.filter((e) => e.export !== name);
const replaced = (name: string, params: string[], results: string[] = []) =>
  ABI_EXPORTS.map((e) => (e.export === name ? { export: name, params, results } : e));

describe('loading guest modules', () => {
  it('loads a built guest from a file path and from bytes', async () => {
    setup();
    const info = await host.load('echo', guestPath('echo'));
    expect(info).toMatchObject({ name: 'echo', mode: 'isolated', maxMemoryPages: 256 });
    host.loadSync('counter', guestBytes('counter'), { mode: 'shared' });
    expect(host.modules().sort()).toEqual(['counter', 'echo']);
  });

  it('loads a hand-built module that has exactly the ABI', () => {
    setup();
    const info = host.loadSync('minimal', buildModule({ imports: [MEMORY_IMPORT], funcs: ABI_EXPORTS }));
    expect(info).toMatchObject({ name: 'minimal', minPages: 1 });
  });

  it('still accepts the earlier wactor_init (i32, i32) and starts its actors (the pid argument is ignored)', async () => {
    setup();
    const earlier = replaced('wactor_init', ['i32', 'i32']);
    host.loadSync('earlier', buildModule({ imports: [MEMORY_IMPORT], funcs: earlier }));
    const pid = host.spawn('earlier', 'args');
    rt.send(pid, 'hello');
    await eventually(() => expect(rt.info(pid)?.messagesHandled).toBe(1));
    expect(rt.isAlive(pid)).toBe(true);
  });

  it('rejects bytes that are not WebAssembly, naming the module', async () => {
    setup();
    const err = await host.load('garbage', new TextEncoder().encode('hello, world')).catch((e) => e);
    expect(err).toBeInstanceOf(WasmInvalidModuleError);
    expect(err.code).toBe('WACTOR_ERR_WASM_INVALID_MODULE');
    expect(err.message).toMatch(/wasm module 'garbage'.*not valid WebAssembly/);
  });

  it('rejects a truncated module', () => {
    setup();
    const bytes = guestBytes('echo').subarray(0, 100);
    expect(() => host.loadSync('cut', bytes)).toThrow(WasmInvalidModuleError);
  });

  it('rejects a module whose shape is right but whose code fails to compile, naming the module', async () => {
    setup();
    // Imports and exports are exactly the ABI (the host's own shape check passes); only the
    // body of wactor_abi is wrong: it leaves an f64 where its type says i32.
    const badBody = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
    const funcs = ABI_EXPORTS.map((e) => (e.export === 'wactor_abi' ? { ...e, code: badBody } : e));
    const bytes = buildModule({ imports: [MEMORY_IMPORT], funcs });
    for (const err of [
      await host.load('miscompiled', bytes).catch((e: unknown) => e),
      (() => {
        try {
          host.loadSync('miscompiled', bytes);
        } catch (e) {
          return e;
        }
        return undefined;
      })(),
    ]) {
      expect(err).toBeInstanceOf(WasmInvalidModuleError);
      const e = err as WasmInvalidModuleError;
      expect(e.code).toBe('WACTOR_ERR_WASM_INVALID_MODULE');
      expect(e.message).toMatch(/wasm module 'miscompiled'.*not valid WebAssembly/);
      // The engine's compiler rejected it, and its reason is passed on.
      expect((e.cause as Error).constructor.name).toBe('CompileError');
      expect(e.message).toContain((e.cause as Error).message);
    }
    expect(host.has('miscompiled')).toBe(false);
  });

  it('rejects a module that lacks a required export, naming the export and its signature', () => {
    setup();
    const bytes = buildModule({ imports: [MEMORY_IMPORT], funcs: without('wactor_receive') });
    expect(() => host.loadSync('deaf', bytes)).toThrow(WasmMissingExportError);
    expect(() => host.loadSync('deaf', bytes)).toThrow(/'deaf'.*wactor_receive: \(i32, i32\) -> void/);
  });

  it('rejects an export with the wrong signature', () => {
    setup();
    const bytes = buildModule({ imports: [MEMORY_IMPORT], funcs: replaced('wactor_init', ['i32']) });
    const err = (() => {
      try {
        host.loadSync('odd', bytes);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(WasmBadExportError);
    expect(err?.message).toContain(
      'export wactor_init has type (i32) -> void, expected (i32, i32, f64) -> void or (i32, i32) -> void',
    );
  });

  it('rejects a forbidden import, naming it', () => {
    setup();
    const bytes = buildModule({
      imports: [
        MEMORY_IMPORT,
        {
          module: 'wasi_snapshot_preview1',
          name: 'fd_write',
          kind: 'func',
          params: ['i32'],
          results: ['i32'],
        },
      ],
      funcs: ABI_EXPORTS,
    });
    expect(() => host.loadSync('wasi', bytes)).toThrow(WasmForbiddenImportError);
    expect(() => host.loadSync('wasi', bytes)).toThrow(
      /import wasi_snapshot_preview1\.fd_write \(function\) is not offered/,
    );
  });

  it('rejects a host import with the wrong type', () => {
    setup();
    const bytes = buildModule({
      imports: [
        MEMORY_IMPORT,
        { module: 'wactor', name: 'send', kind: 'func', params: ['i32', 'i32', 'i32'], results: ['i32'] },
      ],
      funcs: ABI_EXPORTS,
    });
    expect(() => host.loadSync('mistyped', bytes)).toThrow(WasmBadImportError);
    expect(() => host.loadSync('mistyped', bytes)).toThrow(
      /wactor\.send has type \(i32, i32, i32\) -> i32, expected \(f64, i32, i32\) -> i32/,
    );
  });

  it('rejects a module that defines its own memory instead of importing it', () => {
    setup();
    const bytes = buildModule({ funcs: ABI_EXPORTS, exportMemory: 'memory' });
    expect(() => host.loadSync('own-memory', bytes)).toThrow(/must import its memory as env\.memory/);
  });

  it('rejects a memory whose minimum exceeds the granted cap', () => {
    setup();
    const bytes = buildModule({ imports: [{ ...MEMORY_IMPORT, min: 8 }], funcs: ABI_EXPORTS });
    expect(() => host.loadSync('big', bytes, { grants: { maxMemoryPages: 4 } })).toThrow(
      /needs at least 8 pages but maxMemoryPages is 4/,
    );
  });

  it('rejects a guest that reports another ABI version', () => {
    setup();
    const funcs = ABI_EXPORTS.map((e) => (e.export === 'wactor_abi' ? { ...e, value: 7 } : e));
    const bytes = buildModule({ imports: [MEMORY_IMPORT], funcs });
    expect(() => host.loadSync('future', bytes)).toThrow(WasmInstantiateError);
    expect(() => host.loadSync('future', bytes)).toThrow(/wactor_abi\(\) returned 7/);
  });

  it('an import called outside an actor call (from the ABI handshake) fails the load, naming the import', () => {
    setup();
    const send = {
      module: 'wactor',
      name: 'send',
      kind: 'func',
      params: ['f64', 'i32', 'i32'],
      results: ['i32'],
    } as const;
    // wactor_abi() { drop(send(1024.0, 0, 0)); return 1 }: the host calls it with no actor current.
    const code = [0x44, 0, 0, 0, 0, 0, 0, 0x90, 0x40, 0x41, 0, 0x41, 0, 0x10, 0, 0x1a, 0x41, 1];
    const funcs = ABI_EXPORTS.map((e) => (e.export === 'wactor_abi' ? { ...e, code } : e));
    const bytes = buildModule({ imports: [MEMORY_IMPORT, send], funcs });
    expect(() => host.loadSync('eager', bytes)).toThrow(WasmInstantiateError);
    expect(() => host.loadSync('eager', bytes)).toThrow(/wactor\.send called outside an actor call/);
  });

  it('rejects a missing file with the path in the message', async () => {
    setup();
    await expect(host.load('ghost', '/nonexistent/ghost.wasm')).rejects.toThrow(
      /'ghost'.*cannot read \/nonexistent\/ghost\.wasm/,
    );
  });

  it('refuses a second module under the same name', () => {
    setup();
    host.loadSync('echo', guestBytes('echo'));
    expect(() => host.loadSync('echo', guestBytes('echo'))).toThrow(WasmModuleExistsError);
  });

  it('refuses a taken name before reading or compiling the source, and once for two racing loads', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'));
    await expect(host.load('echo', '/nonexistent/echo.wasm')).rejects.toThrow(WasmModuleExistsError);
    expect(() => host.loadSync('echo', new Uint8Array([1, 2, 3]))).toThrow(WasmModuleExistsError);
    const both = await Promise.allSettled([
      host.load('kv', guestPath('kv')),
      host.load('kv', guestPath('kv')),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      WasmModuleExistsError,
    );
  });

  it('spawning an unknown module names it and lists the loaded ones', () => {
    setup();
    host.loadSync('echo', guestBytes('echo'));
    expect(() => host.spawn('nope')).toThrow(WasmUnknownModuleError);
    expect(() => host.spawn('nope')).toThrow(/'nope'.*loaded: echo/);
  });

  it('unload stops new spawns of a module; its running actors keep running', async () => {
    setup();
    host.loadSync('counter', guestBytes('counter'));
    const pid = host.spawn('counter', '5');
    expect(host.unload('counter')).toBe(true);
    expect(host.unload('counter')).toBe(false);
    expect(() => host.spawn('counter')).toThrow(WasmUnknownModuleError);
    const got: unknown[] = [];
    const c = rt.spawn({ receive: (m: unknown) => void got.push(m) });
    rt.send(pid, { replyTo: c, data: 'get' });
    await eventually(() => expect(got).toHaveLength(1));
    expect(new TextDecoder().decode(got[0] as Uint8Array)).toBe('5');
  });

  it('close is idempotent and refuses new loads and spawns', async () => {
    setup();
    host.loadSync('echo', guestBytes('echo'));
    const closing = host.close();
    expect(host.close()).toBe(closing);
    await closing;
    expect(() => host.spawn('echo')).toThrow(ClosedError);
    expect(() => host.loadSync('echo2', guestBytes('echo'))).toThrow(ClosedError);
  });

  it('validates load options with messages that name the option', () => {
    setup();
    const echo = guestBytes('echo');
    expect(() => host.loadSync('a', echo, { mode: 'pooled' as never })).toThrow(InvalidArgumentError);
    expect(() => host.loadSync('a', echo, { mode: 'pooled' as never })).toThrow(/options\.mode must be/);
    expect(() => host.loadSync('a', echo, { grants: { fly: true } as never })).toThrow(
      /grants\.fly is not a capability/,
    );
    expect(() => host.loadSync('a', echo, { grants: { maxMemoryPages: 0 } })).toThrow(
      /maxMemoryPages must be an integer/,
    );
    expect(() => host.loadSync('a', echo, { pool: -1 })).toThrow(/options\.pool must be an integer >= 0/);
    expect(() => host.loadSync('a', echo, { profile: 'root' as never })).toThrow(
      /profile must be 'sandboxed' or 'trusted'/,
    );
    expect(() => host.loadSync('', echo)).toThrow(/name must be a non-empty string/);
    expect(host.modules()).toEqual([]);
  });
});
