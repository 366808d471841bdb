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
  /** Start and length of the result bytes (ok) or of the error text `<code> <message>`. */
  ptr: usize = 0;
  length: i32 = 0;

  /** The job result message in `msg`, or null if `msg` is not one. */
  static parse(msg: Message): JobResult | null {
    if (msg.length < HEADER) return null;
    // "wjob" little-endian.
    if (msg.u32At(0) != 0x626f6a77) return null;
    const r = new JobResult();
    r.ok = msg.u32At(4) == 0;
    r.id = msg.f64At(8);
    r.ptr = msg.ptr + <usize>HEADER;
    r.length = msg.length - HEADER;
    return r;
  }

  /** The result (or error text) as UTF-8. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.length);
  }

  /** A copy of the result bytes (or error text). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    memory.copy(out.dataStart, this.ptr, <usize>this.length);
    return out;
  }

  /** For an error: the error code (`WACTOR_ERR_...`), else "". */
  code(): string {
    if (this.ok) return '';
    const t = this.text();
    const space = t.indexOf(' ');
    return space < 0 ? t : t.substring(0, space);
  }
}
