import type { Clock } from './clock.js';
import { InvalidArgumentError, WactorError } from './errors.js';
import type { Logger } from './logger.js';
import { describe, formatPid, isPid } from './pid.js';
import type {
  ChildSpec,
  ExitMessage,
  HandlerBehaviour,
  LocalNode,
  Pid,
  RestartType,
  SupervisorSpec,
} from './types.js';

/**
 * What a supervisor needs of the node it runs on: the process operations, a clock for the
 * intensity window, and a logger for the start failures it retries. `Runtime` and `Scheduler`
 * both are one.
 */
export type SupervisorHost = Pick<LocalNode, 'spawn' | 'send' | 'link' | 'unlink' | 'exit' | 'isAlive'> & {
  readonly clock: Clock;
  readonly logger: Logger;
};

/** A child's `start` threw or returned something that is not a live pid. */
export class SupervisorStartError extends WactorError {
  readonly childId: string;
  constructor(childId: string, message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_SUPERVISOR_START', message, options);
    this.childId = childId;
  }
}

const STRATEGIES = new Set(['one_for_one', 'one_for_all', 'rest_for_one']);
const RESTARTS = new Set(['permanent', 'transient', 'temporary']);

interface Slot<N> {
  readonly spec: ChildSpec<N>;
  readonly restart: RestartType;
  pid: Pid | undefined;
}

interface RetryMessage {
  readonly type: '$wactor.supervisor.retry';
}

/**
 * Validate `spec`, spawn the supervisor process and start its children in order before
 * returning its pid (so callers can rely on the children existing). If a child fails to start,
 * the ones already started are stopped in reverse order, the supervisor exits, and this throws.
 */
export function startSupervisor<N extends SupervisorHost>(rt: N, spec: SupervisorSpec<N>): Pid {
  const { maxRestarts, withinMs } = checkSpec(spec);
  const slots: Slot<N>[] = spec.children.map((c) => ({
    spec: c,
    restart: c.restart ?? 'permanent',
    pid: undefined,
  }));
  const restarts: number[] = [];
  let self = 0;

  const startChild = (slot: Slot<N>): void => {
    let pid: unknown;
    try {
      pid = slot.spec.start(rt);
    } catch (err) {
      throw new SupervisorStartError(
        slot.spec.id,
        `supervisor child "${slot.spec.id}" failed to start: ${String(err)}`,
        {
          cause: err,
        },
      );
    }
    if (!isPid(pid) || !rt.isAlive(pid)) {
      throw new SupervisorStartError(
        slot.spec.id,
        `supervisor child "${slot.spec.id}": start() must return the pid of a live process, got ${describe(pid)}`,
      );
    }
    slot.pid = pid;
    rt.link(self, pid);
  };

  /** Stop children in reverse start order; unlink first so their exits are not restart triggers. */
  const stopChildren = (which: readonly Slot<N>[]): void => {
    for (let i = which.length - 1; i >= 0; i--) {
      const slot = which[i]!;
      if (slot.pid === undefined) continue;
      rt.unlink(self, slot.pid);
      rt.exit(slot.pid, 'shutdown');
      slot.pid = undefined;
    }
  };

  /** Start every slot without a pid, in order; a failure schedules another attempt. */
  const startMissing = (which: readonly Slot<N>[]): boolean => {
    for (const slot of which) {
      if (slot.pid !== undefined) continue;
      try {
        startChild(slot);
      } catch (err) {
        // Retried under the same intensity budget; say why, or a supervisor that finally gives
        // up would leave no trace of the cause.
        rt.logger.error(`supervisor ${formatPid(self)}: ${(err as Error).message}; retrying`, { error: err });
        rt.send(self, { type: '$wactor.supervisor.retry' } satisfies RetryMessage);
        return false;
      }
    }
    return true;
  };

  /** Record a restart; false when the intensity budget is exhausted (and the supervisor gave up). */
  const budget = (): boolean => {
    const now = rt.clock.now();
    restarts.push(now);
    while (restarts.length > 0 && restarts[0]! <= now - withinMs) restarts.shift();
    if (restarts.length > maxRestarts) {
      stopChildren(slots);
      rt.exit(self, 'shutdown');
      return false;
    }
    return true;
  };

  const behaviour: HandlerBehaviour<ExitMessage | RetryMessage> = {
    receive(msg) {
      if (msg === null || typeof msg !== 'object') return;
      if (msg.type === '$wactor.supervisor.retry') {
        if (budget()) startMissing(slots);
        return;
      }
      if (msg.type !== 'exit') return;
      const index = slots.findIndex((s) => s.pid === msg.from);
      if (index < 0) {
        // A linked process that is not our child (our parent, typically) ended abnormally:
        // a supervisor goes down with it, as in OTP.
        if (msg.reason !== 'normal') {
          stopChildren(slots);
          rt.exit(self, msg.reason);
        }
        return;
      }
      const slot = slots[index]!;
      slot.pid = undefined;
      const abnormal = msg.reason !== 'normal' && msg.reason !== 'shutdown';
      if (slot.restart === 'temporary' || (slot.restart === 'transient' && !abnormal)) return;
      if (!budget()) return;
      if (spec.strategy === 'one_for_one') {
        startMissing([slot]);
      } else if (spec.strategy === 'one_for_all') {
        stopChildren(slots);
        startMissing(slots);
      } else {
        const rest = slots.slice(index);
        stopChildren(rest);
        startMissing(rest);
      }
    },
    terminate() {
      stopChildren(slots);
    },
  };

  self = rt.spawn(behaviour, { trapExit: true, label: spec.label ?? 'supervisor' });
  try {
    for (const slot of slots) startChild(slot);
  } catch (err) {
    stopChildren(slots);
    rt.exit(self, 'shutdown');
    throw err;
  }
  return self;
}

function checkSpec(spec: SupervisorSpec<never>): { maxRestarts: number; withinMs: number } {
  if (spec === null || typeof spec !== 'object') {
    throw new InvalidArgumentError(`supervise: spec must be an object, got ${describe(spec)}`);
  }
  if (!STRATEGIES.has(spec.strategy)) {
    throw new InvalidArgumentError(
      `supervise: spec.strategy must be 'one_for_one', 'one_for_all' or 'rest_for_one', got ${describe(spec.strategy)}`,
    );
  }
  if (!Array.isArray(spec.children)) {
    throw new InvalidArgumentError(
      `supervise: spec.children must be an array, got ${describe(spec.children)}`,
    );
  }
  const ids = new Set<string>();
  spec.children.forEach((c, i) => {
    if (c === null || typeof c !== 'object') {
      throw new InvalidArgumentError(`supervise: spec.children[${i}] must be an object, got ${describe(c)}`);
    }
    if (typeof c.id !== 'string' || c.id.length === 0) {
      throw new InvalidArgumentError(
        `supervise: spec.children[${i}].id must be a non-empty string, got ${describe(c.id)}`,
      );
    }
    if (ids.has(c.id)) throw new InvalidArgumentError(`supervise: child id "${c.id}" is used twice`);
    ids.add(c.id);
    if (typeof c.start !== 'function') {
      throw new InvalidArgumentError(
        `supervise: spec.children[${i}].start must be a function, got ${describe(c.start)}`,
      );
    }
    if (c.restart !== undefined && !RESTARTS.has(c.restart)) {
      throw new InvalidArgumentError(
        `supervise: spec.children[${i}].restart must be 'permanent', 'transient' or 'temporary', got ${describe(c.restart)}`,
      );
    }
  });
  const maxRestarts = spec.maxRestarts ?? 3;
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new InvalidArgumentError(
      `supervise: spec.maxRestarts must be an integer >= 0, got ${describe(maxRestarts)}`,
    );
  }
  const withinMs = spec.withinMs ?? 5000;
  if (typeof withinMs !== 'number' || !(withinMs > 0)) {
    throw new InvalidArgumentError(
      `supervise: spec.withinMs must be a number > 0, got ${describe(withinMs)}`,
    );
  }
  return { maxRestarts, withinMs };
}
