/**
 * Test fixtures: the real AssemblyScript actors from assembly/actors/, built to assembly/build/
 * by `npm run build:as`. If a build is missing or stale, it is built here (once, under a lock
 * so parallel test files do not race), and a failure says how to build by hand.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll } from 'vitest';
import { type Clock, Runtime, silentLogger } from '../../runtime/index.js';
import type { Pid } from '../../runtime/types.js';
import { WasmHost, type WasmHostOptions } from '../../wasm-actors/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const buildDir = join(root, 'assembly', 'build');

function stale(): string[] {
  const actors = readdirSync(join(root, 'assembly', 'actors')).filter((f) => f.endsWith('.ts'));
  const sdkTime = Math.max(
    ...readdirSync(join(root, 'assembly', 'sdk')).map(
      (f) => statSync(join(root, 'assembly', 'sdk', f)).mtimeMs,
    ),
  );
  return actors
    .map((f) => f.slice(0, -3))
    .filter((name) => {
      const out = join(buildDir, `${name}.wasm`);
      if (!existsSync(out)) return true;
      const t = statSync(out).mtimeMs;
      return t < sdkTime || t < statSync(join(root, 'assembly', 'actors', `${name}.ts`)).mtimeMs;
    });
}

let checked = false;

/** Make sure every guest is built; throws a clear error if building fails. */
export function ensureGuests(): void {
  if (checked) return;
  if (stale().length > 0) {
    const script = join(root, 'scripts', 'build-assembly.mjs');
    try {
      // flock serializes parallel test files; without it, build anyway (the build is idempotent).
      const hasFlock = existsSync('/usr/bin/flock') || existsSync('/bin/flock');
      if (hasFlock)
        execFileSync('flock', ['/tmp/wactor-build-as.lock', process.execPath, script], { stdio: 'pipe' });
      else execFileSync(process.execPath, [script], { stdio: 'pipe' });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(
        `the AssemblyScript fixtures in assembly/build/ are missing and building them failed; run \`npm run build:as\` (${e.stderr?.toString() ?? e.message})`,
      );
    }
  }
  checked = true;
}

/** The bytes of a built guest. */
export function guestBytes(name: string): Uint8Array {
  ensureGuests();
  return new Uint8Array(readFileSync(join(buildDir, `${name}.wasm`)));
}

/** The path of a built guest. */
export function guestPath(name: string): string {
  ensureGuests();
  return join(buildDir, `${name}.wasm`);
}

/** What {@link useWasmHost}'s `start` builds on: a runtime (or its clock) and host options. */
export interface HostSetup extends WasmHostOptions {
  /** The node to host on (default: a new silent `Runtime`). */
  runtime?: Runtime;
  /** The clock of the default runtime. */
  clock?: Clock;
}

/**
 * The per-file fixture of the guest tests: builds the guests once before the file, and returns
 * `start`, which makes a Runtime and a WasmHost (silent loggers unless given) that are closed
 * after the test that started them (only those: a test that fails before starting one leaves
 * nothing to close).
 *
 * @example
 * let rt: Runtime;
 * let host: WasmHost;
 * const start = useWasmHost();
 * function setup(): void {
 *   ({ rt, host } = start());
 * }
 */
export function useWasmHost(): (setup?: HostSetup) => { rt: Runtime; host: WasmHost } {
  const open: { rt: Runtime; host: WasmHost }[] = [];
  beforeAll(() => ensureGuests());
  afterEach(async () => {
    for (const { rt, host } of open.splice(0)) {
      await host.close();
      await rt.shutdown();
    }
  });
  return ({ runtime, clock, ...options } = {}) => {
    const rt = runtime ?? new Runtime({ logger: silentLogger, ...(clock === undefined ? {} : { clock }) });
    const host = new WasmHost(rt, { logger: silentLogger, ...options });
    open.push({ rt, host });
    return { rt, host };
  };
}

const decoder = new TextDecoder();

/** Message → text (guests reply with UTF-8 bytes). */
export function text(msg: unknown): string {
  if (msg instanceof Uint8Array) return decoder.decode(msg);
  return typeof msg === 'string' ? msg : JSON.stringify(msg);
}

/** A JS handler process that records every message it gets. */
export function collector(rt: { spawn(b: object): Pid }): {
  pid: Pid;
  messages: unknown[];
  texts(): string[];
} {
  const messages: unknown[] = [];
  const pid = rt.spawn({
    receive(msg: unknown) {
      messages.push(msg);
    },
  });
  return { pid, messages, texts: () => messages.map(text) };
}

/** Binary args for the ping guest (the public helper; re-exported for the tests' imports). */
export { examplePingArgs as pingArgs } from '../../wasm-actors/index.js';
