import type { Pid } from '../../runtime/types.js';
import type { Scheduler } from '../../scheduler/scheduler.js';

export const AGENT = new URL('./fixtures/agent.mjs', import.meta.url);

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
