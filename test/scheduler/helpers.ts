import type { Pid } from '../../runtime/types.js';
import type { Scheduler } from '../../scheduler/scheduler.js';

export const AGENT = new URL('./fixtures/agent.mjs', import.meta.url);
/** A receive-loop actor module (see fixtures/receive-loop.mjs). */
export const RECEIVE_LOOP = new URL('./fixtures/receive-loop.mjs', import.meta.url);

/** A main-thread process that records everything it receives. */
export function collector(s: Scheduler): { pid: Pid; inbox: unknown[] } {
  const inbox: unknown[] = [];
  const pid = s.spawn({
    receive(msg: unknown) {
      inbox.push(msg);
    },
  });
  return { pid, inbox };
}

/** Spawn an agent (see fixtures/agent.mjs) that reports to `to`. */
export function agent(s: Scheduler, to: Pid, placement?: Parameters<Scheduler['spawn']>[1]): Pid {
  const pid = s.spawn({ module: AGENT }, placement);
  s.send(pid, { cmd: 'report', to });
  return pid;
}

/**
 * Wait until every agent in `pids` has reported ready. Agents on different shards hear from the
 * main thread and from each other over different rings, which have no mutual order: an agent
 * told to report to X by the main thread may see another agent's messages first.
 */
export async function ready(inbox: unknown[], pids: Pid[]): Promise<void> {
  const { eventually } = await import('../helpers/eventually.js');
  await eventually(() => {
    for (const pid of pids)
      if (!inbox.some((m) => (m as { ready?: Pid }).ready === pid)) throw new Error(`${pid} not ready`);
  });
}

/**
 * A collector and one agent on `shard` that reports to it, returned once the agent is ready:
 * the usual start of a test that needs a process inside a shard to observe what reaches it.
 */
export async function readyAgent(
  s: Scheduler,
  shard: number,
): Promise<{ c: { pid: Pid; inbox: unknown[] }; agent: Pid }> {
  const c = collector(s);
  const pid = agent(s, c.pid, { placement: { shard } });
  await ready(c.inbox, [pid]);
  return { c, agent: pid };
}

/** The byte messages an agent forwarded to its collector (`{ bytes }`), in arrival order. */
export function forwardedBytes(inbox: unknown[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of inbox) {
    const bytes = (m as { bytes?: Uint8Array }).bytes;
    if (bytes !== undefined) out.push(bytes);
  }
  return out;
}
