import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ClusterNode } from '../cluster/index.js';
import type { LocalNode, Pid } from '../runtime/index.js';
import { formatPid, InvalidArgumentError, isPid } from '../runtime/index.js';
import { CallError, callLocal, callRemote, isCallTimeout, MAX_CALL_TIMEOUT_MS } from './call.js';
import type { HttpRoute, ServeMetrics } from './metrics.js';

/** What the HTTP ingress needs from the node behind it. */
export interface GatewayBackend {
  readonly node: LocalNode;
  /** Module names that `POST /spawn/:module` accepts. */
  readonly modules: readonly string[];
  /** Spawn an actor of a loaded module; throws for an unknown module. */
  spawn(module: string, args: Uint8Array): Pid;
  /**
   * The cluster the node belongs to, if any: a target that is no local name but a global name
   * owned by a peer is called or sent to there (the peer must run `serveCalls`).
   */
  readonly cluster?: ClusterNode | undefined;
  /** Names that must be registered for `GET /health` to say ok (the node's services). */
  readonly services?: readonly string[];
}

export interface GatewayOptions {
  /**
   * Default bound on `POST /call` in ms, 0..{@link MAX_CALL_TIMEOUT_MS} (default 5000; a request
   * may lower or raise it with `?timeout=`).
   */
  readonly callTimeoutMs?: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** Serve `GET /metrics` from these and count every request in them. */
  readonly metrics?: ServeMetrics;
}

/**
 * The route label of a request path (the label set stays fixed whatever clients send). Compared
 * name by name, not looked up in an object: `/constructor/x` must not find Object.prototype's.
 */
function routeOf(parts: readonly string[]): HttpRoute {
  const [first] = parts;
  if (first === undefined) return 'summary';
  if (parts.length === 1 && (first === 'processes' || first === 'metrics' || first === 'health'))
    return first;
  if (parts.length === 2 && (first === 'spawn' || first === 'call' || first === 'send')) return first;
  return 'other';
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The HTTP ingress of `wactor serve`: requests become messages to actors, replies become
 * responses. Routes:
 *
 * - `GET /` — node summary: modules, registered names, stats
 * - `GET /processes` — every live process with its info
 * - `POST /spawn/:module[?name=N]` — spawn an actor (the body is its spawn arguments) → `{ pid }`
 * - `POST /call/:target[?timeout=ms]` — send the body as a request to a registered name or pid and
 *   answer with the actor's reply (504 when it does not reply in time, 502 when it dies first);
 *   a global name owned by a peer is called on that peer
 * - `POST /send/:target` — fire and forget → 202
 * - `GET /metrics` — Prometheus text (when {@link GatewayOptions.metrics} is given)
 * - `GET /health` — 200 `{ status: 'ok' }` when every service name is registered, else 503
 *   `{ status: 'degraded', missing }` (cheap: no shard is asked; for load-balancer probes)
 *
 * @example
 * const server = createGateway(backend);
 * server.listen(8080, '127.0.0.1');
 * // curl -d 'hello' localhost:8080/call/echo   →  hello
 */
export function createGateway(backend: GatewayBackend, options: GatewayOptions = {}): Server {
  const callTimeout = options.callTimeoutMs ?? 5000;
  if (!isCallTimeout(callTimeout)) {
    throw new InvalidArgumentError(
      `createGateway: options.callTimeoutMs must be an integer number of ms in 0..${MAX_CALL_TIMEOUT_MS}, got ${String(callTimeout)}`,
    );
  }
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const { node } = backend;
  const metrics = options.metrics;

  /** A local pid, or the peer that owns `target` as a global name. */
  const resolveTarget = (target: string): Pid | { owner: string } => {
    const asNumber = Number(target);
    if (/^\d+$/.test(target) && isPid(asNumber)) {
      if (!node.isAlive(asNumber)) throw new HttpError(404, `no process ${target}`);
      return asNumber;
    }
    const pid = node.whereis(target);
    if (pid !== undefined) return pid;
    const owner = backend.cluster?.whereisGlobal(target);
    if (owner !== undefined && owner !== backend.cluster!.name) return { owner };
    throw new HttpError(404, `no process registered as ${JSON.stringify(target)}`);
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    parts: readonly string[],
  ): Promise<void> => {
    const method = req.method ?? 'GET';
    if (method === 'GET' && parts.length === 1 && parts[0] === 'metrics' && metrics !== undefined) {
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.contentType }).end(text);
      return;
    }
    if (method === 'GET' && parts.length === 0) {
      return json(res, 200, {
        modules: backend.modules,
        names: node.registered(),
        stats: await node.stats(),
      });
    }
    if (method === 'GET' && parts.length === 1 && parts[0] === 'health') {
      const missing = (backend.services ?? []).filter((name) => node.whereis(name) === undefined);
      return missing.length === 0
        ? json(res, 200, { status: 'ok' })
        : json(res, 503, { status: 'degraded', missing });
    }
    if (method === 'GET' && parts.length === 1 && parts[0] === 'processes') {
      const infos = await Promise.all((await node.list()).map((pid) => node.info(pid)));
      return json(
        res,
        200,
        infos
          .filter((i) => i !== undefined)
          .map((i) => ({ ...i, id: formatPid(i.pid), mailboxCapacity: String(i.mailboxCapacity) })),
      );
    }
    const [verb, arg] = parts;
    if (parts.length !== 2 || (verb !== 'spawn' && verb !== 'call' && verb !== 'send') || arg === undefined) {
      throw new HttpError(404, `no route ${method} ${url.pathname}`);
    }
    if (method !== 'POST') throw new HttpError(405, `${url.pathname} takes POST`);
    const body = await readBody(req, maxBody);
    if (verb === 'spawn') {
      if (!backend.modules.includes(arg)) {
        throw new HttpError(404, `no module ${JSON.stringify(arg)}; loaded: ${backend.modules.join(', ')}`);
      }
      const pid = backend.spawn(arg, body);
      const name = url.searchParams.get('name');
      if (name !== null && !node.register(name, pid)) {
        node.kill(pid);
        throw new HttpError(409, `the name ${JSON.stringify(name)} is taken`);
      }
      return json(res, 201, { pid, id: formatPid(pid) });
    }
    const target = resolveTarget(arg);
    if (verb === 'send') {
      if (typeof target !== 'number') {
        // Fire and forget across the cluster: accepted once the frame is queued to the owner.
        await backend.cluster!.sendGlobal(arg, body);
      } else if (!node.send(target, body)) {
        throw new HttpError(503, `${formatPid(target)} refused the message (mailbox full or gone)`);
      }
      res.writeHead(202).end();
      return;
    }
    const t = url.searchParams.has('timeout') ? Number(url.searchParams.get('timeout')) : callTimeout;
    if (!isCallTimeout(t))
      throw new HttpError(400, `timeout must be an integer number of ms in 0..${MAX_CALL_TIMEOUT_MS}`);
    // A client that leaves before the answer ends its call process at once (not at the timeout).
    const gone = new AbortController();
    const onClose = (): void => {
      if (!res.writableFinished) gone.abort(new CallError(504, 'the client went away'));
    };
    res.once('close', onClose);
    let reply: Uint8Array;
    try {
      reply =
        typeof target === 'number'
          ? await callLocal(node, target, body, t, gone.signal)
          : await callRemote(backend.cluster!, node, target.owner, arg, body, t, gone.signal);
    } catch (err) {
      throw err instanceof CallError ? new HttpError(err.status, err.message) : err;
    }
    let text: string | undefined;
    try {
      text = utf8.decode(reply);
    } catch {
      text = undefined;
    }
    if (text === undefined) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(reply);
    else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  };

  return createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      parts = [];
      json(res, 400, { error: `the path ${JSON.stringify(url.pathname)} is not valid percent-encoding` });
    }
    if (metrics !== undefined) {
      const route = res.headersSent ? 'other' : routeOf(parts);
      // 'close' rather than 'finish': a request the client abandons is counted too, as `aborted`.
      res.once('close', () =>
        metrics.observeHttp(
          route,
          res.writableFinished ? res.statusCode : 'aborted',
          Number(process.hrtime.bigint() - started) / 1e9,
        ),
      );
    }
    if (res.headersSent) return;
    handle(req, res, url, parts).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) json(res, status, { error: message });
      else res.destroy();
    });
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(value)}\n`);
}

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) return; // keep draining so the 413 can be written, but keep nothing
      if (size > max) {
        tooLarge = true;
        chunks.length = 0;
        reject(new HttpError(413, `the request body exceeds ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.on('error', reject);
  });
}
