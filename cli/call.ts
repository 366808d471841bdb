/**
 * Request/reply with an actor, here or on another node of the cluster — what `POST /call` does.
 *
 * A local call is one short-lived receive-loop process: it monitors the target, sends a
 * `wasmRequest` (which names it as the reply address), and waits for the reply bytes, the
 * target's down, or the timeout. A Wasm guest can only reply to a pid of its own node, so a call
 * to a global name owned by a peer runs that same local call *on the peer*: the caller spawns a
 * proxy there from the `wactor.call` factory every served node registers, the proxy calls the
 * target next to it and always sends one result back to the caller's pid with `sendTo`: the reply
 * bytes, or the failure (status and message). The caller also watches the proxy with
 * `monitorRemote`, so a dropped link or a proxy that dies abnormally ends the call at once rather
 * than by timeout. (The proxy can finish before that monitor is set up — a crash is quick — which
 * is why the outcome travels as a message and not as the proxy's exit reason.) The proxy in
 * turn monitors the caller's process, so a caller that gives up (client gone, deadline passed,
 * link dropped) stops the proxy instead of leaving it to wait out its own bound.
 */
import { Packr } from 'msgpackr';
import { type ClusterNode, RpcTimeoutError } from '../cluster/index.js';
import type { Context, DownMessage, LocalNode, MonitorRef, Pid } from '../runtime/index.js';
import {
  formatPid,
  InvalidArgumentError,
  isPid,
  ReceiveTimeoutError,
  WactorError,
} from '../runtime/index.js';
import { wasmRequest } from '../wasm-actors/index.js';

/** The spawnable a served node registers so peers can call its actors. */
export const CALL_FACTORY = 'wactor.call';

/**
 * The longest call bound, in ms: a default (`--call-timeout`, `callTimeoutMs`), a request's
 * `?timeout=`, and the timeout a peer's call proxy accepts all share it, so a bound one of them
 * takes is never refused by another.
 */
export const MAX_CALL_TIMEOUT_MS = 600_000;

/** True if `ms` is a call bound every part of a call accepts: an integer in 0..{@link MAX_CALL_TIMEOUT_MS}. */
export const isCallTimeout = (ms: unknown): ms is number =>
  Number.isInteger(ms) && (ms as number) >= 0 && (ms as number) <= MAX_CALL_TIMEOUT_MS;

const CALL_ERROR_CODES = {
  404: 'WACTOR_ERR_SERVE_CALL_NO_TARGET',
  502: 'WACTOR_ERR_SERVE_CALL_FAILED',
  504: 'WACTOR_ERR_SERVE_CALL_TIMEOUT',
} as const;

/**
 * How a call failed: `status` is the HTTP status the gateway answers with, `code` says the same
 * for code that is not HTTP (docs/errors.md).
 *
 * @example
 * try { await callLocal(node, pid, body, 1000); }
 * catch (err) { if (err instanceof CallError && err.status === 504) retry(); }
 */
export class CallError extends WactorError {
  constructor(
    readonly status: 404 | 502 | 504,
    message: string,
  ) {
    super(CALL_ERROR_CODES[status], message);
  }
}

/** What a caller's process is sent when the owner's link goes down mid-call. */
const LINK_DOWN = Object.freeze({ type: '$wactor.call.nodedown' });

/** What a proxy sends back: the reply, or why there is none. */
type ProxyResult =
  | { readonly reply: Uint8Array }
  | { readonly status: 404 | 502 | 504; readonly error: string };

const isDown = (m: unknown, ref: unknown): m is DownMessage =>
  (m as DownMessage)?.type === 'down' && (m as DownMessage).ref === ref;

/** A call whose caller went away (see `abandonOn`): nobody is left to tell, so nothing is sent. */
class CallAbandonedError extends CallError {}

/**
 * From inside a process: send `body` to `target` as a request and wait for the reply bytes.
 * Rejects with a {@link CallError}: 502 if the target ends first, 504 if no reply in time.
 * Aborting `signal` rejects with its reason at once; so does the down of `abandonOn` (a monitor
 * this process holds on whoever waits for the result) with a 502.
 *
 * @example
 * node.spawn(async (ctx) => console.log(await requestReply(ctx, echo, bytes, 1000)));
 */
export async function requestReply(
  ctx: Context,
  target: Pid,
  body: Uint8Array,
  timeout: number,
  signal?: AbortSignal,
  abandonOn?: MonitorRef,
): Promise<Uint8Array> {
  signal?.throwIfAborted();
  const ref = ctx.monitor(target);
  const stopOnAbort = wakeOnAbort(ctx, signal);
  ctx.send(target, wasmRequest(ctx.self, body));
  try {
    const msg = await ctx.receive<Uint8Array | DownMessage | typeof ABORTED>({
      timeout,
      match: (m) =>
        m instanceof Uint8Array ||
        isDown(m, ref) ||
        m === ABORTED ||
        (abandonOn !== undefined && isDown(m, abandonOn)),
    });
    if (msg instanceof Uint8Array) return msg;
    if (msg === ABORTED) throw signal!.reason;
    const down = msg as DownMessage;
    if (down.ref !== ref) {
      throw new CallAbandonedError(502, `the caller ${formatPid(down.pid)} ended (${down.reason})`);
    }
    throw new CallError(502, `${formatPid(target)} ended (${down.reason}) before replying`);
  } catch (err) {
    if (err instanceof ReceiveTimeoutError) {
      throw new CallError(504, `no reply from ${formatPid(target)} within ${timeout} ms`);
    }
    throw err;
  } finally {
    stopOnAbort();
    ctx.demonitor(ref);
  }
}

/** What a call's process is sent when its caller gives up (see {@link wakeOnAbort}). */
const ABORTED = Object.freeze({ type: '$wactor.call.aborted' });

/**
 * When `signal` aborts, send {@link ABORTED} to the process so its pending receive ends and the
 * call cleans up (monitors, listeners) rather than waiting out its timeout. Returns the undo.
 */
function wakeOnAbort(ctx: Context, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => {};
  const onAbort = (): void => void ctx.send(ctx.self, ABORTED);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/**
 * Call `target` on this node: one short-lived process runs {@link requestReply}. Aborting
 * `signal` (the HTTP client went away) ends that process at once and rejects with its reason.
 *
 * @example
 * const reply = await callLocal(scheduler, echoPid, new TextEncoder().encode('hi'), 5000);
 */
export function callLocal(
  node: LocalNode,
  target: Pid,
  body: Uint8Array,
  timeout: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return inCallProcess(node, (ctx) => requestReply(ctx, target, body, timeout, signal));
}

/** Run `call` in one short-lived process on `node` and settle with its outcome. */
function inCallProcess(node: LocalNode, call: (ctx: Context) => Promise<Uint8Array>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    node.spawn(
      async (ctx) => {
        await call(ctx).then(resolve, reject);
      },
      { label: 'http-call' },
    );
  });
}

interface ProxyArgs {
  readonly target: string;
  readonly origin: string;
  readonly replyTo: Pid;
  readonly timeout: number;
  readonly body: Uint8Array;
}

const packr = new Packr({ int64AsType: 'number' });

function parseProxyArgs(args: Uint8Array): ProxyArgs {
  let a: Partial<ProxyArgs> | undefined;
  try {
    a = packr.unpack(args) as Partial<ProxyArgs>;
  } catch {
    a = undefined;
  }
  if (
    typeof a?.target !== 'string' ||
    typeof a.origin !== 'string' ||
    !isPid(a.replyTo) ||
    !isCallTimeout(a.timeout) ||
    !(a.body instanceof Uint8Array)
  ) {
    throw new InvalidArgumentError(
      `${CALL_FACTORY}: args must be msgpack { target: string, origin: string, replyTo: pid, timeout: 0..${MAX_CALL_TIMEOUT_MS}, body: bytes }`,
    );
  }
  return a as ProxyArgs;
}

/**
 * Let peers call this node's actors: registers the {@link CALL_FACTORY} spawnable on `cluster`.
 *
 * @example
 * const cluster = await ClusterNode.start({ name: 'beta', runtime: scheduler, identity, port: 0 });
 * serveCalls(cluster);   // peers' callRemote(cluster, 'beta', 'kv', …) now reach beta's actors
 */
export function serveCalls(cluster: ClusterNode): void {
  cluster.registerSpawnable(CALL_FACTORY, (runtime, raw) => {
    const args = parseProxyArgs(raw);
    return runtime.spawn(
      async (ctx) => {
        const origin = { node: args.origin, pid: args.replyTo };
        // The caller's process ends when its client goes away, its deadline passes, or its link
        // drops: then this proxy stops too, instead of waiting out its own bound for nobody.
        const callerRef = cluster.monitorRemote(ctx.self, origin);
        // Every other way this ends sends the caller a result: a proxy that crashed instead could
        // do so before the caller's monitor exists, and the caller would wait out its deadline.
        let result: ProxyResult;
        try {
          const target = ctx.whereis(args.target);
          result =
            target === undefined
              ? {
                  status: 404,
                  error: `no process registered as ${JSON.stringify(args.target)} on ${cluster.name}`,
                }
              : { reply: await requestReply(ctx, target, args.body, args.timeout, undefined, callerRef) };
        } catch (err) {
          if (err instanceof CallAbandonedError) return;
          const status = err instanceof CallError ? err.status : 502;
          result = { status, error: `${args.target} on ${cluster.name}: ${(err as Error).message}` };
        } finally {
          cluster.demonitorRemote(callerRef);
        }
        try {
          await cluster.sendTo(origin, packr.pack(result));
        } catch (err) {
          // A reply the link cannot carry (over the peer's frame cap): say so. Crashing instead
          // would leave the caller a `noproc` down — if the crash beat its monitor — and no
          // result: it would wait out its whole deadline for a 504.
          if (!('reply' in result)) throw err;
          const error = `${args.target} on ${cluster.name}: the reply could not be sent back: ${(err as Error).message}`;
          await cluster.sendTo(origin, packr.pack({ status: 502, error } satisfies ProxyResult));
        }
      },
      { label: 'call-proxy' },
    );
  });
}

/** Decode a proxy's result; anything else is a protocol failure of the peer. */
function outcome(bytes: Uint8Array, name: string, owner: string): Uint8Array | CallError {
  let r: Partial<{ reply: unknown; status: unknown; error: unknown }> | undefined;
  try {
    r = packr.unpack(bytes) as typeof r;
  } catch {
    r = undefined;
  }
  if (r?.reply instanceof Uint8Array) return r.reply;
  if ((r?.status === 404 || r?.status === 502 || r?.status === 504) && typeof r.error === 'string') {
    return new CallError(r.status, r.error);
  }
  return new CallError(502, `${name} on ${owner}: the peer's call proxy sent a malformed result`);
}

/**
 * Call the actor registered as `name` on the peer `owner` (see the module comment). The reply
 * travels back over the cluster. One deadline, `timeout` + 1 s for the link, bounds the whole
 * call: the proxy's spawn on the peer and the wait for its result. Aborting `signal` ends the
 * caller's process at once; the proxy, which monitors that process, then stops as well.
 *
 * @example
 * const owner = cluster.whereisGlobal('kv');
 * if (owner !== undefined) await callRemote(cluster, scheduler, owner, 'kv', bytes, 5000);
 */
export function callRemote(
  cluster: ClusterNode,
  node: LocalNode,
  owner: string,
  name: string,
  body: Uint8Array,
  timeout: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return inCallProcess(node, async (ctx) => {
    signal?.throwIfAborted();
    const deadline = Date.now() + timeout + 1000;
    const timedOut = () => new CallError(504, `no reply from ${name} on ${owner} within ${timeout} ms`);
    // After the proxy's `normal`/`noproc` down no monitor is left to report a dropped link
    // while its result is still in flight: hear of it from the cluster instead.
    const self = ctx.self;
    const offNodeDown = cluster.on('nodedown', (e) => {
      if (e.node === owner) node.send(self, LINK_DOWN);
    });
    const stopOnAbort = wakeOnAbort(ctx, signal);
    let ref: MonitorRef | undefined;
    try {
      const args = packr.pack({ target: name, origin: cluster.name, replyTo: self, timeout, body });
      let proxy: Pid;
      try {
        // Bounded by the call's deadline, not the cluster's rpcTimeout: a peer too busy to
        // spawn the proxy is a timeout of this call.
        proxy = await cluster.spawnRemote(owner, CALL_FACTORY, args, {
          timeout: Math.max(1, deadline - Date.now()),
        });
      } catch (err) {
        if (err instanceof RpcTimeoutError) throw timedOut();
        throw new CallError(502, `cannot call ${name} on ${owner}: ${(err as Error).message}`);
      }
      ref = cluster.monitorRemote(self, { node: owner, pid: proxy });
      // The result rides a data lane and the proxy's down the control channel, so the down may
      // overtake it; a proxy that ended normally — or before the monitor was set up (`noproc`) —
      // has sent its result: keep waiting for it until the deadline.
      for (;;) {
        const msg = await ctx
          .receive<Uint8Array | DownMessage | typeof LINK_DOWN | typeof ABORTED>({
            timeout: Math.max(0, deadline - Date.now()),
            match: (m) => m instanceof Uint8Array || isDown(m, ref) || m === LINK_DOWN || m === ABORTED,
          })
          .catch((err: unknown) => {
            throw err instanceof ReceiveTimeoutError ? timedOut() : err;
          });
        if (msg === ABORTED) throw signal!.reason;
        if (msg instanceof Uint8Array) {
          const r = outcome(msg, name, owner);
          if (r instanceof CallError) throw r;
          return r;
        }
        if (msg === LINK_DOWN || (msg as DownMessage).reason === 'noconnection') {
          throw new CallError(502, `the link to ${owner} dropped during the call to ${name}`);
        }
        const { reason } = msg as DownMessage;
        if (reason !== 'normal' && reason !== 'noproc') {
          throw new CallError(502, `${name} on ${owner}: the call proxy ended (${reason})`);
        }
      }
    } finally {
      offNodeDown();
      stopOnAbort();
      if (ref !== undefined) cluster.demonitorRemote(ref);
    }
  });
}
