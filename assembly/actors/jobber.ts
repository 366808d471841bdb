// jobber: starts one-off jobs for JS callers. A request "run <name> <timeoutMs> <args text>"
// calls `runJob`; a refusal is replied at once as "code=<n>", otherwise the requester gets the
// outcome when it arrives: "ok <id> <result text>" or "error <id> <code> <message>".
import { Actor, defineActor, JobResult, Message, parseNumber, runJob, sendText, utf8 } from '../sdk';

export * from '../sdk/exports';

class Jobber extends Actor {
  /** Who asked for each job still running. */
  waiting: Map<f64, f64> = new Map();

  receive(msg: Message): void {
    const job = JobResult.parse(msg);
    if (job !== null) {
      if (!this.waiting.has(job.id)) return;
      const to = this.waiting.get(job.id);
      this.waiting.delete(job.id);
      const id = (<i64>job.id).toString();
      sendText(to, (job.ok ? 'ok ' : 'error ') + id + ' ' + job.text());
      return;
    }
    if (!msg.startsWith('run ')) return;
    const parts = msg.text().split(' ', 4);
    const name = parts.length > 1 ? parts[1] : '';
    const timeout = parts.length > 2 ? parseNumber(parts[2]) : 0;
    const args = parts.length > 3 ? parts[3] : '';
    const id = runJob(name, utf8(args), timeout);
    if (id < 0) {
      msg.replyText('code=' + (<i32>id).toString());
      return;
    }
    this.waiting.set(id, msg.sender);
  }
}

defineActor((): Actor => new Jobber());
