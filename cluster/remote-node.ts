/**
 * A handle on a peer node: what `ClusterNode.connect` returns. It names the node and forwards
 * to the owning {@link ClusterNode}, so it stays valid across reconnects (operations fail with
 * `UnknownNodeError` while the node is down).
 *
 * @example
 * const beta = await alpha.connect('127.0.0.1', betaPort);
 * await beta.send('greeter', new TextEncoder().encode('hi'));
 * const pid = await beta.spawn('worker', new Uint8Array());
 */
import type { Pid, ProcessInfo } from '../runtime/types.js';

/** The part of ClusterNode a RemoteNode needs (kept structural to avoid an import cycle). */
export interface RemoteNodeHost {
  send(node: string, name: string, bytes: Uint8Array): Promise<void>;
  sendTo(target: { node: string; pid: Pid }, bytes: Uint8Array): Promise<void>;
  spawnRemote(node: string, factory: string, args?: Uint8Array): Promise<Pid>;
  remotePids(node: string): Promise<Pid[]>;
  remoteInfo(node: string, pid: Pid): Promise<ProcessInfo | undefined>;
  peers(): string[];
}

export class RemoteNode {
  readonly name: string;
  readonly #host: RemoteNodeHost;

  constructor(host: RemoteNodeHost, name: string) {
    this.#host = host;
    this.name = name;
  }

  /** True while a link to this node is up. */
  get isConnected(): boolean {
    return this.#host.peers().includes(this.name);
  }

  /** Send to the process registered (locally, on that node) as `name`. */
  send(name: string, bytes: Uint8Array): Promise<void> {
    return this.#host.send(this.name, name, bytes);
  }

  /** Send to process `pid` on that node. */
  sendTo(pid: Pid, bytes: Uint8Array): Promise<void> {
    return this.#host.sendTo({ node: this.name, pid }, bytes);
  }

  /** Run the spawnable factory `factory` there with `args`; resolves the new pid. */
  spawn(factory: string, args?: Uint8Array): Promise<Pid> {
    return this.#host.spawnRemote(this.name, factory, args);
  }

  /** The pids alive there (live attach). */
  pids(): Promise<Pid[]> {
    return this.#host.remotePids(this.name);
  }

  info(pid: Pid): Promise<ProcessInfo | undefined> {
    return this.#host.remoteInfo(this.name, pid);
  }
}
