import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterNode, type ClusterNodeOptions } from '../cluster/index.js';
import { InvalidArgumentError, type Logger, Runtime } from '../runtime/index.js';
import { Scheduler } from '../scheduler/index.js';
import { exampleGuestPath, WasmHost } from '../wasm-actors/index.js';
import { isCallTimeout, MAX_CALL_TIMEOUT_MS, serveCalls } from './call.js';
import { loadIdentity } from './cert.js';
import { loadServeConfig, SERVICE_SPEC, type ServeConfig } from './config.js';
import { createGateway, type GatewayBackend } from './gateway.js';
import { createLogger, parseLogFormat, parseLogLevel } from './log.js';
import { createServeMetrics } from './metrics.js';

export const SERVE_USAGE = `usage: wactor serve [options]
  Loads every .wasm actor module of a directory, starts the services, and answers HTTP:
    GET  /                     modules, registered names, stats
    GET  /processes            every live process
    POST /spawn/MODULE[?name=N] spawn an actor (body: its spawn arguments)
    POST /call/TARGET          request/reply with a registered name, a pid, or a cluster-global name
                               on a peer (body: the request)
    POST /send/TARGET          fire and forget
    GET  /metrics              Prometheus metrics (processes, messages, rings, cluster, HTTP, Node.js)
    GET  /health               200 when every service is registered, else 503 naming the missing
options:
  --host H            listen address (default 127.0.0.1)
  --port P            HTTP port (default 8080; 0 picks a free one)
  --modules DIR       directory of .wasm modules (default: the bundled example actors)
  --service N=M[:A]   at start, spawn module M with args A and register it as N, supervised
                      (restarted if it ends; repeatable; default with the bundled examples:
                      echo, counter, kv, greeter)
  --shards N          worker shards (default: available cores); 0 runs every actor on the main
                      thread (no watchdog: a guest that loops forever hangs the node)
  --call-timeout MS   default bound on POST /call (default 5000)
  --log-level L       silent, error, warn, info (default) or debug
  --log-format F      text (default) or json (one pino JSON object per line), on stderr
  --config FILE       read these settings from a JSON file (keys: host, port, modules, services,
                      shards, callTimeoutMs, logLevel, logFormat, cluster: {port, name, seeds, cert, key, ca, transport});
                      flags given here win over the file (see docs/serve.md)
cluster (all optional; --cluster-port turns it on):
  --cluster-port P    join a cluster: listen for peers on P (0 picks a free one); the flags
                      below need it (or cluster.port in --config)
  --name NAME         this node's cluster name (default: the certificate's, or wactor-<pid>)
  --seeds H:P,…       nodes to join through
  --cert F --key F [--ca F]   the node identity (files from \`wactor cert\`)
  --transport tls|quic        default tls
  Services are also registered as global names, so peers reach them with sendGlobal, and
  \`wactor attach HOST:CLUSTER_PORT\` lists this node's processes.
`;

const DEFAULT_SERVICES = ['echo=echo', 'counter=counter', 'kv=kv', 'greeter=greeter:greeter'];

export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  /** Directory of `.wasm` modules; default: the bundled example actors. */
  readonly modulesDir?: string;
  /** `name=module[:args]` services spawned and registered at start. */
  readonly services?: readonly string[];
  /** Worker shards; 0 = one thread. Default: available cores. */
  readonly shards?: number;
  readonly callTimeoutMs?: number;
  readonly logger?: Logger;
  /** Join a cluster (see `ClusterNode`); the node behind the HTTP ingress is its runtime. */
  readonly cluster?: Omit<ClusterNodeOptions, 'runtime'>;
}

/** A running `wactor serve`: its HTTP server, the node behind it, and `close()`. */
export interface ServeHandle {
  readonly server: Server;
  readonly port: number;
  readonly backend: GatewayBackend;
  /** The cluster node, when `cluster` was given. */
  readonly cluster: ClusterNode | undefined;
  close(): Promise<void>;
}

interface Backend extends GatewayBackend {
  close(): Promise<void>;
}

function listModules(dir: string): Map<string, string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw new InvalidArgumentError(
      `serve: cannot read the modules directory ${dir}: ${(err as Error).message}`,
    );
  }
  const modules = new Map<string, string>();
  for (const file of entries.sort())
    if (file.endsWith('.wasm')) modules.set(basename(file, '.wasm'), join(dir, file));
  if (modules.size === 0) throw new InvalidArgumentError(`serve: no .wasm modules in ${dir}`);
  return modules;
}

async function singleThreadBackend(
  modules: Map<string, string>,
  logger: Logger | undefined,
): Promise<Backend> {
  const runtime = new Runtime(logger === undefined ? {} : { logger });
  const host = new WasmHost(runtime, logger === undefined ? {} : { logger });
  for (const [name, path] of modules) await host.load(name, path);
  return {
    node: runtime,
    modules: [...modules.keys()],
    spawn: (module, args) => host.spawn(module, args),
    close: async () => {
      await runtime.shutdown();
      await host.close();
    },
  };
}

function shardedBackend(modules: Map<string, string>, shards: number, logger: Logger | undefined): Backend {
  const scheduler = new Scheduler(logger === undefined ? { shards } : { shards, logger });
  return {
    node: scheduler,
    modules: [...modules.keys()],
    spawn: (module, args) => {
      const path = modules.get(module);
      if (path === undefined) throw new InvalidArgumentError(`no module ${JSON.stringify(module)}`);
      return scheduler.spawn({ wasm: path, args }, { label: module });
    },
    close: () => scheduler.close().then(() => {}),
  };
}

/** Parse `name=module[:args]`. */
export function parseService(
  spec: string,
  modules: readonly string[],
): { name: string; module: string; args: string } {
  const m = SERVICE_SPEC.exec(spec);
  if (!m)
    throw new InvalidArgumentError(
      `serve: --service must be NAME=MODULE[:ARGS], got ${JSON.stringify(spec)}`,
    );
  const [, name, module, args] = m as unknown as [string, string, string, string | undefined];
  if (!modules.includes(module)) {
    throw new InvalidArgumentError(
      `serve: --service ${name} names the unknown module ${JSON.stringify(module)}; loaded: ${modules.join(', ')}`,
    );
  }
  return { name, module, args: args ?? '' };
}

/**
 * Start `wactor serve`: load the modules, start the services, listen for HTTP.
 *
 * @example
 * const node = await serve({ port: 0, shards: 2 });
 * console.log(`listening on ${node.port}`);
 * await node.close();
 */
export async function serve(options: ServeOptions = {}): Promise<ServeHandle> {
  const modulesDir = options.modulesDir ?? dirname(exampleGuestPath('echo'));
  const modules = listModules(resolve(modulesDir));
  const services = (options.services ?? (options.modulesDir === undefined ? DEFAULT_SERVICES : [])).map((s) =>
    parseService(s, [...modules.keys()]),
  );
  const shards = options.shards ?? availableParallelism();
  if (!Number.isInteger(shards) || shards < 0 || shards > 256) {
    throw new InvalidArgumentError(`serve: --shards must be an integer in 0..256, got ${String(shards)}`);
  }
  // Checked here, before anything starts: a bound above the maximum would pass local calls but
  // every call to a peer would fail (its call proxy refuses the timeout).
  if (options.callTimeoutMs !== undefined && !isCallTimeout(options.callTimeoutMs)) {
    throw new InvalidArgumentError(
      `serve: --call-timeout must be an integer number of ms in 0..${MAX_CALL_TIMEOUT_MS}, got ${String(options.callTimeoutMs)}`,
    );
  }
  const backend =
    shards === 0
      ? await singleThreadBackend(modules, options.logger)
      : shardedBackend(modules, shards, options.logger);
  let cluster: ClusterNode | undefined;
  try {
    if (options.cluster !== undefined) {
      cluster = await ClusterNode.start({
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...options.cluster,
        runtime: backend.node,
      });
      // Peers' POST /call to a global name owned here runs through this node's call proxy.
      serveCalls(cluster);
    }
    // Services run under a one_for_one supervisor on the node: a service that crashes — or that
    // shared a shard with a runaway guest the watchdog had to stop — comes back under its name.
    if (services.length > 0) {
      backend.node.supervise({
        strategy: 'one_for_one',
        maxRestarts: 20,
        withinMs: 10_000,
        label: 'services',
        children: services.map((s) => ({
          id: s.name,
          start: () => {
            const pid = backend.spawn(s.module, new TextEncoder().encode(s.args));
            // A guest may register itself under the same name (the greeter does): either way the
            // name ends up on this pid.
            if (!backend.node.register(s.name, pid) && backend.node.whereis(s.name) !== pid) {
              backend.node.kill(pid);
              throw new InvalidArgumentError(`serve: the service name ${JSON.stringify(s.name)} is taken`);
            }
            // The cluster withdraws a global name when its process ends; a restart claims it again.
            cluster?.registerGlobal(s.name, pid);
            return pid;
          },
        })),
      });
    }
    const metrics = createServeMetrics({ node: backend.node, cluster });
    const ingress = {
      ...backend,
      services: services.map((s) => s.name),
      ...(cluster === undefined ? {} : { cluster }),
    };
    const server = createGateway(ingress, {
      metrics,
      ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
        server.off('error', fail);
        ok();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    let closing: Promise<void> | undefined;
    return {
      server,
      port,
      backend,
      cluster,
      close: () =>
        (closing ??= (async () => {
          await new Promise<void>((ok) => {
            server.close(() => ok());
            server.closeIdleConnections();
          });
          await cluster?.close();
          await backend.close();
        })()),
    };
  } catch (err) {
    await cluster?.close();
    await backend.close();
    throw err;
  }
}

/** `wactor serve …` from the command line: runs until SIGINT/SIGTERM, then closes gracefully. */
export async function runServe(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      modules: { type: 'string' },
      service: { type: 'string', multiple: true },
      shards: { type: 'string' },
      'call-timeout': { type: 'string' },
      'cluster-port': { type: 'string' },
      name: { type: 'string' },
      seeds: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      transport: { type: 'string' },
      config: { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
    },
  });
  const file: ServeConfig = values.config === undefined ? {} : await loadServeConfig(values.config);
  const int = (v: string | undefined, what: string): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v))
      throw new InvalidArgumentError(
        `serve: ${what} must be a non-negative integer, got ${JSON.stringify(v)}`,
      );
    return Number(v);
  };
  const port = int(values.port, '--port') ?? file.port;
  if (port !== undefined && port > 65535)
    throw new InvalidArgumentError(`serve: --port must be in 0..65535, got ${port}`);
  const host = values.host ?? file.host;
  const modulesDir = values.modules ?? file.modules;
  const services = values.service ?? file.services;
  const shards = int(values.shards, '--shards') ?? file.shards;
  const callTimeoutMs = int(values['call-timeout'], '--call-timeout') ?? file.callTimeoutMs;
  const logLevel = values['log-level'] === undefined ? file.logLevel : parseLogLevel(values['log-level']);
  const logFormat =
    values['log-format'] === undefined ? file.logFormat : parseLogFormat(values['log-format']);
  const opts: ServeOptions = {
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(modulesDir === undefined ? {} : { modulesDir }),
    ...(services === undefined ? {} : { services }),
    ...(shards === undefined ? {} : { shards }),
    ...(callTimeoutMs === undefined ? {} : { callTimeoutMs }),
  };
  const clusterPort = int(values['cluster-port'], '--cluster-port') ?? file.cluster?.port;
  if (clusterPort !== undefined && clusterPort > 65535)
    throw new InvalidArgumentError(`serve: --cluster-port must be in 0..65535, got ${clusterPort}`);
  // Cluster flags without a cluster would be ignored without a word: refuse them by name.
  const clusterFlags = (['name', 'seeds', 'cert', 'key', 'ca', 'transport'] as const).filter(
    (f) => values[f] !== undefined,
  );
  if (clusterPort === undefined && clusterFlags.length > 0) {
    throw new InvalidArgumentError(
      `serve: ${clusterFlags.map((f) => `--${f}`).join(', ')} only apply with --cluster-port (or cluster.port in --config)`,
    );
  }
  let cluster: ServeOptions['cluster'];
  if (clusterPort !== undefined) {
    const fc = file.cluster;
    const cert = values.cert ?? fc?.cert;
    const key = values.key ?? fc?.key;
    const transport = values.transport ?? fc?.transport;
    const seeds = values.seeds?.split(',').filter(Boolean) ?? fc?.seeds;
    if (cert === undefined || key === undefined) {
      throw new InvalidArgumentError(
        'serve: --cluster-port needs --cert and --key (make them with `wactor cert`)',
      );
    }
    if (transport !== undefined && transport !== 'tls' && transport !== 'quic') {
      throw new InvalidArgumentError(
        `serve: --transport must be 'tls' or 'quic', got ${JSON.stringify(transport)}`,
      );
    }
    const identity = await loadIdentity({ cert, key, ca: values.ca ?? fc?.ca });
    cluster = {
      name: values.name ?? fc?.name ?? (identity.mode === 'ca' ? identity.name : `wactor-${process.pid}`),
      identity,
      host: host ?? '127.0.0.1',
      port: clusterPort,
      ...(seeds === undefined ? {} : { seeds }),
      ...(transport === undefined ? {} : { transport }),
    };
  }
  const logger = createLogger({
    ...(logLevel === undefined ? {} : { level: logLevel }),
    ...(logFormat === undefined ? {} : { format: logFormat }),
    ...(cluster === undefined ? {} : { bindings: { node: cluster.name } }),
  });
  const node = await serve({ ...opts, logger, ...(cluster === undefined ? {} : { cluster }) });
  const shown = host ?? '127.0.0.1';
  out(`wactor serve: ${node.backend.modules.length} modules (${node.backend.modules.join(', ')})`);
  out(`services: ${node.backend.node.registered().join(', ') || '(none)'}`);
  if (node.cluster !== undefined) out(`cluster node ${node.cluster.name} on port ${node.cluster.port}`);
  out(
    `listening on http://${shown}:${node.port}  — try: curl -d hello http://${shown}:${node.port}/call/echo`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out('wactor serve: closing');
      node.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
