/**
 * Node child processes for benchmarks and tests that need a peer in another process (a cluster node
 * that can be killed, a worker with its own event loop): start a script with a JSON config in an
 * environment variable, wait for the line that says it is ready, and stop every child afterwards.
 *
 * Every child is pushed on the caller's `children` array the moment it is spawned, so a cleanup
 * hook (`afterEach`, a subject's `close`) reaches it even when waiting for readiness failed.
 *
 * @example
 * const children: ChildProcess[] = [];
 * const { match } = await startChildProcess(script, { MY_CHILD: JSON.stringify(cfg) }, /ready (\d+)/, 'echo', children);
 * const port = Number(match[1]);
 * // …
 * await stopChildren(children);
 */
import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Run `script` with `env` added to this process's environment; resolves with the child and the
 * match of `ready` on its stdout (accumulated, so a line split across chunks still matches), rejects
 * if the child exits first. `label` names the child in that error.
 */
export function startChildProcess(
  script: string,
  env: Readonly<Record<string, string>>,
  ready: RegExp,
  label: string,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m !== null) resolve({ child, match: m });
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`child ${label} exited before it was ready (code ${code}, signal ${signal})`)),
    );
  });
}

/** SIGKILL every child still running and resolve once all have exited; empties `children`. */
export async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
