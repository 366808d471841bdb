/**
 * wactor's actor core: `import { Runtime } from 'wactor'`.
 *
 * @example
 * import { Runtime } from 'wactor';
 * const rt = new Runtime();
 * const pid = rt.spawn({ receive(msg, ctx) { console.log(ctx.self, 'got', msg); } });
 * rt.send(pid, 'hello');
 */
export { type Clock, SimulatedClock, SystemClock } from './clock.js';
export {
  ClosedError,
  deserializeError,
  EncodeError,
  InvalidArgumentError,
  ProcessStateError,
  ReceiveTimeoutError,
  type SerializedError,
  serializeError,
  WactorError,
} from './errors.js';
export { consoleLogger, type Logger, silentLogger } from './logger.js';
export { assertPid, formatPid, isPid, MAX_SHARDS, makePid, SHARD_SPACE, serialOf, shardOf } from './pid.js';
export { type ExitListener, type KillListener, Runtime, type RuntimeOptions } from './runtime.js';
export { SupervisorStartError } from './supervisor.js';
export type * from './types.js';
