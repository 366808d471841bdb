/**
 * The entry of one shard's worker thread (loaded as compiled JS from dist/scheduler/). It hosts a
 * {@link Runtime} whose pids carry this shard's slot, joins the ring mesh, answers spawn requests
 * for JS actor modules, and keeps its watchdog marks honest with a heartbeat.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../runtime/errors.js';
import { silentLogger } from '../runtime/logger.js';
import { Runtime } from '../runtime/runtime.js';
import type { Behaviour, Pid } from '../runtime/types.js';
import { SpawnError } from './errors.js';
import { Mesh } from './mesh.js';
import { loadBehaviour } from './module-loader.js';
import type { Control } from './protocol.js';
import { ShardHostNode } from './shard-host-node.js';
import { ShardNode } from './shard-node.js';
import { SharedRegistry } from './shared-registry.js';
import { SpawnReplyCell } from './spawn-reply.js';
import type { ShardWorkerData } from './worker-data.js';
import { forwardingLogger } from './worker-logger.js';
import { WatchMarks } from './wrap.js';

const data = workerData as ShardWorkerData;
const port = parentPort;
if (port === null) throw new Error('shard-worker.js must run in a worker thread');
/** Crash reports and warnings go to the Scheduler's logger on the main thread. */
const logger = data.quiet ? silentLogger : forwardingLogger(port);

const runtime = new Runtime({
  shard: data.slot,
  turnsPerTick: data.turnsPerTick,
  reductions: data.reductions,
  ...(data.mailboxCapacity === undefined ? {} : { mailboxCapacity: data.mailboxCapacity }),
  logger,
});
const marks = new WatchMarks(data.marks);
const reply = new SpawnReplyCell(data.reply);
let node: ShardNode | undefined;
const mesh = new Mesh(data.mesh, data.thread, (from, body, head) => node?.handleRecord(from, body, head), {
  ...data.meshOptions,
  runtimeTurns: data.turnsPerTick,
});
node = new ShardNode({
  runtime,
  mesh,
  registry: new SharedRegistry(data.registry, data.thread),
  routes: new Int32Array(data.routes),
  thread: data.thread,
  marks,
});
const shard = node;
shard.jobNames = new Set(data.jobNames);

const modules = new Map<string, Promise<Behaviour>>();
function load(module: string): Promise<Behaviour> {
  let p = modules.get(module);
  if (p === undefined) {
    p = loadBehaviour(module);
    modules.set(module, p);
    p.catch(() => modules.delete(module));
  }
  return p;
}

type WasmHostType = import('../wasm-actors/host.js').WasmHost;
let wasmHost: Promise<WasmHostType> | undefined;
const wasmModules = new Map<string, Promise<string>>();

type WasmSpec = Pick<Extract<Control, { t: 'spawn' }>['spec'], 'mode' | 'profile' | 'grants'>;

/**
 * Load a `.wasm` module into this shard's Wasm host (created on first use); resolves its name.
 * One module per url, mode and capabilities: the same file spawned with other grants is another
 * module of the host.
 */
function loadWasm(url: string, spec: WasmSpec): Promise<string> {
  const { mode, profile, grants } = spec;
  const caps =
    profile === undefined && grants === undefined ? '' : `#${profile ?? ''}${JSON.stringify(grants ?? {})}`;
  const name = `${url}#${mode ?? 'isolated'}${caps}`;
  let p = wasmModules.get(name);
  if (p === undefined) {
    wasmHost ??= import('../wasm-actors/host.js').then(({ WasmHost }) => {
      const host = new WasmHost(new ShardHostNode(shard), { logger });
      shard.attachWasmHost(host);
      return host;
    });
    p = wasmHost.then(async (host) => {
      await host.load(name, new URL(url), {
        ...(mode === undefined ? {} : { mode }),
        ...(profile === undefined ? {} : { profile }),
        ...(grants === undefined ? {} : { grants }),
      });
      return name;
    });
    wasmModules.set(name, p);
    p.catch(() => wasmModules.delete(name));
  }
  return p;
}

function spawnSpec(spec: Extract<Control, { t: 'spawn' }>['spec']): Promise<Pid> {
  if (spec.kind === 'wasm') {
    return loadWasm(spec.module, spec).then(async (name) =>
      (await (wasmHost as Promise<WasmHostType>)).spawn(name, spec.args, spec.options),
    );
  }
  return load(spec.module).then((behaviour) => shard.spawnLocal(behaviour, spec.options));
}

shard.onLoad = (module) => {
  if (module.endsWith('.wasm')) loadWasm(module, {}).catch(() => {});
  else load(module).catch(() => {});
};

shard.onSpawn = (c: Extract<Control, { t: 'spawn' }>) => {
  const answer = (pid: number | undefined, error: unknown) => {
    const wire = error === undefined ? undefined : serializeError(error);
    if (c.id < 0) {
      // A synchronous spawn from the main thread waits on the reply cell, not on a ring.
      reply.write(-c.id, pid, wire);
      return;
    }
    shard.dispatch(
      c.from,
      wire === undefined
        ? { t: 'spawned', id: c.id, pid: pid as number }
        : { t: 'spawned', id: c.id, error: wire },
    );
  };
  spawnSpec(c.spec).then(
    (pid) => answer(pid, undefined),
    (err: unknown) =>
      answer(
        undefined,
        err instanceof Error && 'code' in err
          ? err
          : new SpawnError(`spawn of ${c.spec.module} failed: ${String(err)}`, { cause: err }),
      ),
  );
};

// Answered here, between handlers, so the answer is exact at this point of the shard's run.
shard.onAlive = (c) => reply.write(c.id, runtime.isAlive(c.pid) ? 1 : 0, undefined);

shard.onClose = () => {
  void runtime.shutdown().then((stopped) => {
    mesh.publish();
    port.postMessage({ type: 'closed', stopped });
  });
};

port.on('message', (m: { type: string; thread?: number; mesh?: ShardWorkerData['mesh'] }) => {
  if (m.type === 'peer' && m.mesh !== undefined && m.thread !== undefined) mesh.replacePeer(m.mesh, m.thread);
});

// The heartbeat: this timer can only run when no handler is on the stack, so clearing the
// "running" mark here never hides a runaway. Handlers do not clear it when they return (the
// Mesh pass does, see wrap.ts): this un-marks the last handler that ran outside Mesh passes
// (timers, async handlers) and a receive-loop body awaiting something other than receive.
setInterval(() => marks.leave(), data.heartbeatMs);

mesh.start();
port.postMessage({ type: 'ready' });
