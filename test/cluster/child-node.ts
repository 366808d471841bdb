import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterNode } from '../../cluster/cluster-node.js';
import type { Identity } from '../../cluster/identity.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'child-node.mjs');
const DIST = join(import.meta.dirname, '..', '..', 'dist', 'cluster', 'index.js');

/** Child-process tests load the compiled code. */
export function assertBuilt(): void {
  if (!existsSync(DIST)) throw new Error('child-process tests load dist/: run `npm run build:ts` first');
}

export interface ChildOptions {
  readonly identity: Identity;
  readonly transport: 'tls' | 'quic';
  readonly failureDetector?: object;
}

/**
 * Start fixtures/child-node.mjs as node `name`, seeded to `hub`; resolves once it is listening.
 * The child is pushed on `children` so afterEach can kill it.
 */
export async function startChild(
  name: string,
  hub: ClusterNode,
  options: ChildOptions,
  children: ChildProcess[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: {
      ...process.env,
      WACTOR_CHILD: JSON.stringify({
        name,
        identity: options.identity.toPem(),
        seeds: [`127.0.0.1:${hub.port}`],
        failureDetector: options.failureDetector,
        transport: options.transport,
      }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`child ${name} exited early with ${code}`)));
  });
  return child;
}

export function killAll(children: ChildProcess[]): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
