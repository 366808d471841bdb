import { InvalidArgumentError } from './errors.js';
import { describe } from './pid.js';
import type { Behaviour, ExitReason } from './types.js';

// Argument checks shared by the runtime's public methods: each throws an InvalidArgumentError
// that names the argument and the rule.

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export function checkBehaviour(behaviour: unknown): asserts behaviour is Behaviour {
  if (typeof behaviour === 'function') return;
  if (
    behaviour !== null &&
    typeof behaviour === 'object' &&
    typeof (behaviour as { receive?: unknown }).receive === 'function'
  ) {
    const b = behaviour as { init?: unknown; terminate?: unknown };
    if (b.init !== undefined && typeof b.init !== 'function') {
      throw new InvalidArgumentError(`spawn: behaviour.init must be a function, got ${describe(b.init)}`);
    }
    if (b.terminate !== undefined && typeof b.terminate !== 'function') {
      throw new InvalidArgumentError(
        `spawn: behaviour.terminate must be a function, got ${describe(b.terminate)}`,
      );
    }
    return;
  }
  throw new InvalidArgumentError(
    `spawn: behaviour must be a function (a receive-loop body) or an object with a receive(msg, ctx) method, got ${describe(behaviour)}`,
  );
}

export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(`${what} must be a non-empty string, got ${describe(name)}`);
  }
}

export function checkReason(reason: unknown): asserts reason is ExitReason {
  if (typeof reason !== 'string' || reason.length === 0) {
    throw new InvalidArgumentError(`exit reason must be a non-empty string, got ${describe(reason)}`);
  }
}

export function checkCapacity(value: unknown, what: string): number {
  if (value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer or Infinity, got ${describe(value)}`);
  }
  return value;
}

export function checkPositiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** A timer delay: a finite number of milliseconds >= 0 (`what` names the argument). */
export function checkDelay(ms: unknown, what: string): asserts ms is number {
  if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(`${what} must be a finite number >= 0, got ${describe(ms)}`);
  }
}
