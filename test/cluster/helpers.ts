import { ClusterNode, type ClusterNodeOptions } from '../../cluster/cluster-node.js';
import type { Identity } from '../../cluster/identity.js';
import type { Logger } from '../../runtime/logger.js';
import { Runtime } from '../../runtime/runtime.js';
import type { Pid } from '../../runtime/types.js';

/** A logger that keeps warnings so tests can assert on logged reasons. */
export function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    error: (m) => warnings.push(m),
    warn: (m) => warnings.push(m),
    info() {},
    debug() {},
  };
}

/** Starts nodes (each on its own Runtime) and closes them all in `closeAll`. */
export class Nodes {
  readonly started: ClusterNode[] = [];
  readonly runtimes: Runtime[] = [];
  readonly logger = recordingLogger();

  /** The transport every node of this set uses unless told otherwise. */
  constructor(readonly transport: 'tls' | 'quic' = 'tls') {}

  async start(
    name: string,
    identity: Identity,
    extra: Partial<ClusterNodeOptions> = {},
  ): Promise<ClusterNode> {
    const runtime = new Runtime({ logger: this.logger });
    this.runtimes.push(runtime);
    const node = await ClusterNode.start({
      name,
      runtime,
      identity,
      host: '127.0.0.1',
      port: 0,
      logger: this.logger,
      transport: this.transport,
      ...extra,
    });
    this.started.push(node);
    return node;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((n) => n.close()));
    await Promise.all(this.runtimes.splice(0).map((r) => r.shutdown()));
  }
}

/** Spawn a process on `rt` that records every message it receives. */
export function collector(rt: Runtime): { pid: Pid; got: unknown[] } {
  const got: unknown[] = [];
  const pid = rt.spawn({
    receive(msg: unknown) {
      got.push(msg);
    },
  });
  return { pid, got };
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: unknown): string => new TextDecoder().decode(b as Uint8Array);
