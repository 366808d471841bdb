/**
 * Errors of the scheduler (`WACTOR_ERR_SCHEDULER_*`). Each extends {@link WactorError} with a
 * literal `code`; the catalogue is docs/errors.md.
 */
import { WactorError } from '../runtime/errors.js';

/** A ring was configured or addressed wrongly (capacity, chunk size, foreign buffer). */
export class RingOptionError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_SCHEDULER_RING_OPTION', message, options);
  }
}

/** A `Scheduler` option is invalid; the message names the option and the rule. */
export class SchedulerOptionError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_SCHEDULER_OPTION', message, options);
  }
}

/** A message that must cross shards is not `Uint8Array` or msgpackr-encodable plain data. */
export class CrossShardMessageError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_SCHEDULER_MESSAGE', message, options);
  }
}

/** A spawn request could not be placed or started (bad module, bad shard, failed import). */
export class SpawnError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_SCHEDULER_SPAWN', message, options);
  }
}

/** A shard worker died or was terminated (watchdog) while a request to it was pending. */
export class ShardLostError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_SCHEDULER_SHARD_LOST', message, options);
  }
}

/** A `scheduler.run()` job failed, timed out or was aborted. */
export class JobError extends WactorError {
  constructor(
    code:
      | 'WACTOR_ERR_SCHEDULER_JOB'
      | 'WACTOR_ERR_SCHEDULER_JOB_TIMEOUT'
      | 'WACTOR_ERR_SCHEDULER_JOB_ABORTED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
