import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startChildProcess } from '../../bench/harness/child-process.js';
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
 * The child is pushed on `children` so afterEach can stop it (`stopChildren`).
 */
export async function startChild(
  name: string,
  hub: ClusterNode,
  options: ChildOptions,
  children: ChildProcess[],
): Promise<ChildProcess> {
  const cfg = {
    name,
    identity: options.identity.toPem(),
    seeds: [`127.0.0.1:${hub.port}`],
    failureDetector: options.failureDetector,
    transport: options.transport,
  };
  const { child } = await startChildProcess(
    FIXTURE,
    { WACTOR_CHILD: JSON.stringify(cfg) },
    /ready/,
    name,
    children,
  );
  return child;
}
