import { Message } from './message';

/**
 * An actor: subclass it, override `receive` (and any hook you need), and hand a factory to
 * `defineActor`. The SDK creates one object per actor id, so the same module runs one actor per
 * instance (isolated mode) or many (shared mode) without changes.
 *
 * @example
 * class Counter extends Actor {
 *   count: i32 = 0;
 *   receive(msg: Message): void { if (msg.is("inc")) this.count++; }
 * }
 * defineActor((): Actor => new Counter());
 */
export abstract class Actor {
  /** This actor's pid (set before `init`). */
  pid: f64 = 0;
  /** The id the host addresses this actor by inside its instance. */
  id: i32 = 0;

  /** Called once with the spawn arguments. */
  init(args: Message): void {}

  /** Called once per message. */
  abstract receive(msg: Message): void;

  /** A monitor fired: `pid` ended with `reason` (`detail` is the error message, if any). */
  onDown(pid: f64, ref: f64, reason: string, detail: string): void {}

  /** An exit signal arrived while trapping exits (see `trapExit`). */
  onExit(from: f64, reason: string, detail: string): void {}

  /** The actor is ending (for any reason, `killed` included); free what it holds. */
  terminate(reason: string): void {}
}

let factory: (() => Actor) | null = null;

/** Register the factory the SDK calls to create each actor. Call once, at top level. */
export function defineActor(create: () => Actor): void {
  factory = create;
}

/** @internal Create the actor object for a new actor id. */
export function createActor(): Actor {
  const f = factory;
  if (f === null) abort('no actor defined: call defineActor(() => new MyActor()) at top level');
  return f!();
}
