import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../helpers/eventually.js';

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

/** A `wactor serve` child process, its HTTP port, and what it printed so far. */
export interface ServeChild {
  readonly child: ChildProcess;
  readonly port: number;
  out(): string;
  err(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Start `wactor serve ARGS` (compiled, from dist/) and wait for its "listening on" line. Push the
 * returned child into the test's cleanup list (`children`) so afterEach can kill it.
 */
export async function startServeChild(
  args: readonly string[],
  children: ChildProcess[],
): Promise<ServeChild> {
  const child = spawn(process.execPath, [main, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const port = await eventually(() => Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]), {
    timeout: 20_000,
  });
  return {
    child,
    port,
    out: () => out,
    err: () => err,
    stop: () => {
      const exited = new Promise<number | null>((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
