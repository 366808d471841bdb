// One-off jobs (docs/abi.md, "Jobs"): start a job the node registered by name, and recognise its
// result when it arrives later as an ordinary message. Needs the `jobs` capability.
import { Message } from './message';
import { aLen, encodeA } from './scratch';
import * as host from './wactor';

/** Size of the job-result header: "wjob", u32 status, f64 id. */
const HEADER: i32 = 16;

/**
 * Start the job registered as `name` with `args`; `timeoutMs` 0 = no timeout. Returns the job id
 * (> 0) or an ABI code: DENIED (no `jobs` capability), NO_MODULE (no such job), NOPROC (the node
 * runs no jobs), BADARG, TOO_LARGE, REFUSED (the node is closing).
 */
export function runJob(name: string, args: Uint8Array, timeoutMs: f64 = 0): f64 {
  const n = encodeA(name);
  return host.run_job(n, aLen, args.dataStart, args.byteLength, timeoutMs);
}

/** A job's outcome, parsed from the message that carried it (valid during that call only). */
export class JobResult {
  /** The id `runJob` returned. */
  id: f64 = 0;
  /** True if the job returned; false if it threw, timed out or was refused. */
  ok: bool = false;
  /**
   * The result bytes (ok) or the error text `<code> <message>`, as a view into the message that
   * carried them: every read-only `Message` helper (`text`, `bytes`, `is`, `u32At`, …) applies.
   */
  readonly body: Message = new Message();

  /** The job result message in `msg`, or null if `msg` is not one. */
  static parse(msg: Message): JobResult | null {
    if (msg.length < HEADER) return null;
    // "wjob" little-endian.
    if (msg.u32At(0) != 0x626f6a77) return null;
    const r = new JobResult();
    r.ok = msg.u32At(4) == 0;
    r.id = msg.f64At(8);
    r.body.ptr = msg.ptr + <usize>HEADER;
    r.body.length = msg.length - HEADER;
    return r;
  }

  /** The result (or error text) as UTF-8: `body.text()`. */
  text(): string {
    return this.body.text();
  }

  /** For an error: the error code (`WACTOR_ERR_...`), else "". */
  code(): string {
    if (this.ok) return '';
    const t = this.text();
    const space = t.indexOf(' ');
    return space < 0 ? t : t.substring(0, space);
  }
}
