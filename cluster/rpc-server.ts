/**
 * The node's side of RPC: what a peer may ask (spawn from a registered factory, list pids,
 * inspect a process, ping) and the registry of spawnable factories.
 *
 * @example
 * const rpc = new RpcServer('beta', runtime);
 * rpc.register('worker', (rt, args) => rt.spawn(makeWorker(args)));
 * await rpc.handle('spawn', ['worker', new Uint8Array()]); // → pid
 */
import { assertPid } from '../runtime/pid.js';
import type { LocalNode, Pid } from '../runtime/types.js';
import { ProtocolError, UnknownFactoryError } from './errors.js';
import { RpcMethod } from './protocol.js';

/** Builds a process on the target of `spawnRemote` from the caller's argument bytes. */
export type SpawnableFactory = (runtime: LocalNode, args: Uint8Array) => Pid;

export class RpcServer {
  readonly #self: string;
  readonly #runtime: LocalNode;
  readonly #spawnables = new Map<string, SpawnableFactory>();

  constructor(self: string, runtime: LocalNode) {
    this.#self = self;
    this.#runtime = runtime;
  }

  register(name: string, factory: SpawnableFactory): void {
    this.#spawnables.set(name, factory);
  }

  unregister(name: string): boolean {
    return this.#spawnables.delete(name);
  }

  /** Answer one request; throws (to be sent back as `{ code, message }`) on failure. */
  async handle(method: string, args: unknown): Promise<unknown> {
    switch (method) {
      case RpcMethod.Spawn: {
        const [factory, bytes] = Array.isArray(args) ? args : [];
        if (typeof factory !== 'string' || !(bytes instanceof Uint8Array)) {
          throw new ProtocolError('spawn needs [factory, args bytes]');
        }
        const fn = this.#spawnables.get(factory);
        if (fn === undefined) throw new UnknownFactoryError(factory, this.#self);
        const pid = fn(this.#runtime, bytes);
        assertPid(pid, `spawnable ${JSON.stringify(factory)} result`);
        return pid;
      }
      case RpcMethod.Pids:
        return await this.#runtime.list();
      case RpcMethod.Info:
        assertPid(args, 'info: pid');
        return (await this.#runtime.info(args)) ?? null;
      case RpcMethod.Ping:
        return 'pong';
      default:
        throw new ProtocolError(`unknown rpc method ${JSON.stringify(method)}`);
    }
  }
}
