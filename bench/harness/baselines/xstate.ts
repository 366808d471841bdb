/**
 * Baselines built on xstate v5 (a devDependency used by the benchmarks only): the same ping-pong,
 * spawn churn and idle actors that the wactor scenarios measure, written the idiomatic xstate way.
 *
 * xstate delivers events synchronously through a per-actor run-to-completion mailbox: sending to a
 * peer from inside a handler enqueues if the peer is busy and processes at once otherwise, so a
 * whole ping-pong batch completes inside the first `send` call.
 */
import { type AnyActorRef, createActor, createMachine, fromCallback } from 'xstate';

interface PingEvent {
  readonly type: 'ping';
  readonly n: number;
}

/** Which kind of xstate actor plays ping-pong. */
export type XstateActorKind = 'callback' | 'machine';

/**
 * `pairs` pairs of started xstate actors bouncing `{ type: 'ping', n }`. `batch(size)` bounces
 * `ceil(size / pairs)` hops in each pair and returns the hops delivered; `stop()` stops them all.
 *
 * @example
 * const pp = createXstatePingPong(1, 'callback');
 * const { perSecond } = await measureThroughput(pp.batch, { seconds: 1 });
 * pp.stop();
 */
export function createXstatePingPong(
  pairs: number,
  kind: XstateActorKind,
): { batch: (size: number) => number; stop: () => void } {
  let limit = 0;
  let hops = 0;
  const actors: AnyActorRef[] = [];
  const firsts: AnyActorRef[] = [];
  for (let p = 0; p < pairs; p++) {
    // The peer is looked up when a message arrives, after both actors of the pair exist.
    const pair: { a?: AnyActorRef; b?: AnyActorRef } = {};
    const onPing = (event: PingEvent, peer: () => AnyActorRef | undefined) => {
      hops++;
      if (event.n < limit) peer()!.send({ type: 'ping', n: event.n + 1 });
    };
    pair.a = start(kind, (e) => onPing(e, () => pair.b));
    pair.b = start(kind, (e) => onPing(e, () => pair.a));
    actors.push(pair.a, pair.b);
    firsts.push(pair.a);
  }
  return {
    batch(size) {
      limit = Math.max(1, Math.ceil(size / pairs));
      hops = 0;
      for (const a of firsts) a.send({ type: 'ping', n: 1 });
      return hops;
    },
    stop() {
      for (const a of actors) a.stop();
    },
  };
}

function start(kind: XstateActorKind, onPing: (event: PingEvent) => void): AnyActorRef {
  const logic =
    kind === 'callback'
      ? fromCallback<PingEvent>(({ receive }) => {
          receive(onPing);
        })
      : createMachine({
          types: {} as { events: PingEvent },
          on: { ping: { actions: ({ event }) => onPing(event) } },
        });
  return createActor(logic).start();
}

/**
 * Round-trip latency between two xstate callback actors, one event in flight: `run(n)` records
 * `n` round trips into `record(startMs)`.
 */
export function createXstateRoundTrip(
  now: () => number,
  record: (startMs: number) => void,
): { run: (n: number) => number; stop: () => void } {
  let remaining = 0;
  let t0 = 0;
  const refs: { ping?: AnyActorRef; pong?: AnyActorRef } = {};
  refs.ping = start('callback', () => {
    record(t0);
    if (--remaining > 0) {
      t0 = now();
      refs.pong!.send({ type: 'ping', n: 0 });
    }
  });
  refs.pong = start('callback', () => refs.ping!.send({ type: 'ping', n: 0 }));
  return {
    run(n) {
      remaining = n;
      t0 = now();
      refs.pong!.send({ type: 'ping', n: 0 });
      return n;
    },
    stop() {
      refs.ping!.stop();
      refs.pong!.stop();
    },
  };
}

const emptyLogic = fromCallback(() => {});

/**
 * Spawn churn: create, start and stop `size` empty callback actors (a {@link BatchFn}).
 *
 * @example
 * const { perSecond } = await measureThroughput(xstateSpawnChurn, { seconds: 1 });
 */
export function xstateSpawnChurn(size: number): number {
  for (let i = 0; i < size; i++) createActor(emptyLogic).start().stop();
  return size;
}

/**
 * Start `count` idle callback actors and keep them referenced; `stop()` stops them all. For heap
 * per actor: force a GC, measure, call this, force a GC, measure again.
 */
export function startIdleXstateActors(count: number): { stop: () => void } {
  const actors: AnyActorRef[] = new Array(count);
  for (let i = 0; i < count; i++) actors[i] = createActor(emptyLogic).start();
  return {
    stop() {
      for (const a of actors) a.stop();
      actors.length = 0;
    },
  };
}
