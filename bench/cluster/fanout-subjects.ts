/**
 * The subjects of the `cluster-fanout` benchmark (bench/scenarios/cluster-fanout.ts): a hub
 * cluster node driving echo processes on worker nodes, and the raw framed echoes it is compared
 * with (bench/cluster/raw-echo.ts), each behind one {@link Subject} shape — a saturation batch and
 * an unloaded round-trip loop.
 *
 * Workers (and raw echo servers) run in this process or, with `processes`, each in its own child
 * process: this file is also the child's entry point (`WACTOR_FANOUT_CHILD`).
 *
 * @example
 * const s = await clusterSubject('tls', identity, 2, 256, 64, false);
 * await s.batch(10_000);   // 10k round trips, 256 in flight
 * await s.close();
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClusterNode, Identity, type IdentityPem } from '../../cluster/index.js';
import { type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import { startChildProcess, stopChildren } from '../harness/child-process.js';
import type { LatencyRecorder } from '../harness/latency.js';
import type { BatchFn } from '../harness/throughput.js';
import { dialRawEcho, type RawClient, type RawKind, type RawServer, startRawEcho } from './raw-echo.js';

export type Kind = 'tls' | 'quic';

export interface Subject {
  /** Run `size` round trips with up to `inflight` in flight; resolves the count. */
  readonly batch: BatchFn;
  /** One in flight: `n` round trips recorded into `rec`. */
  readonly roundTrips: (n: number, rec: LatencyRecorder) => Promise<number>;
  readonly close: () => Promise<void>;
}

function message(payload: number, replyPid: Pid): Buffer {
  const b = Buffer.alloc(Math.max(8, payload));
  b.writeDoubleLE(replyPid, 0);
  return b;
}

// ------------------------------------------------------------------ workers, here or in a child

interface ChildConfig {
  /** A cluster worker over a transport, or a raw echo server (`raw-tls`, `raw-quic`). */
  readonly role: Kind | `raw-${RawKind}`;
  readonly name: string;
  readonly identity: IdentityPem;
  readonly hubPort: number;
}

/** The hub's local name for the process that learns each worker's echo pid. */
const READY = 'fanout-ready';

/**
 * A worker node with its echo process (registered globally as `echo-<name>`). Once linked to the
 * hub (start resolves only then) it tells the hub's {@link READY} process its echo's pid, so the
 * hub waits on that message instead of polling its registry.
 */
async function startWorker(
  kind: Kind,
  name: string,
  identity: Identity,
  hubPort: number,
): Promise<ClusterNode> {
  const w = await ClusterNode.start({
    name,
    runtime: new Runtime({ logger: silentLogger }),
    identity,
    host: '127.0.0.1',
    port: 0,
    transport: kind,
    seeds: [`127.0.0.1:${hubPort}`],
    logger: silentLogger,
  });
  const echo = w.runtime.spawn({
    // Remote messages arrive as Buffers (views of the frame they came in).
    receive(msg: Buffer) {
      void w.sendTo({ node: 'hub', pid: msg.readDoubleLE(0) }, msg);
    },
  });
  w.registerGlobal(`echo-${name}`, echo);
  const ready = Buffer.alloc(8 + Buffer.byteLength(name));
  ready.writeDoubleLE(echo, 0);
  ready.write(name, 8);
  await w.send('hub', READY, ready);
  return w;
}

/** Start this file as a child process in `role`; resolves once it printed `ready <port>`. */
async function startChild(cfg: ChildConfig, children: ChildProcess[]): Promise<number> {
  const env = { WACTOR_FANOUT_CHILD: JSON.stringify(cfg) };
  const { match } = await startChildProcess(
    fileURLToPath(import.meta.url),
    env,
    /ready (\d+)/,
    `fanout ${cfg.name}`,
    children,
  );
  return Number(match[1]);
}

// ------------------------------------------------------------------ the cluster subject

export async function clusterSubject(
  kind: Kind,
  identity: Identity,
  workers: number,
  inflight: number,
  payload: number,
  processes: boolean,
): Promise<Subject> {
  const hub = await ClusterNode.start({
    name: 'hub',
    runtime: new Runtime({ logger: silentLogger }),
    identity,
    host: '127.0.0.1',
    port: 0,
    transport: kind,
    logger: silentLogger,
  });
  const echoes: { node: string; pid: Pid }[] = [];
  let allReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  hub.runtime.register(
    READY,
    hub.runtime.spawn({
      receive(msg: Buffer) {
        echoes.push({ node: msg.toString('utf8', 8), pid: msg.readDoubleLE(0) });
        if (echoes.length === workers) allReady();
      },
    }),
  );
  const nodes: ClusterNode[] = [];
  const children: ChildProcess[] = [];
  const close = async (): Promise<void> => {
    await stopChildren(children);
    for (const n of [...nodes, hub]) {
      await n.close();
      await n.runtime.shutdown();
    }
  };
  const names = Array.from({ length: workers }, (_, i) => `worker${i}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const name of names) {
      if (processes)
        await startChild({ role: kind, name, identity: identity.toPem(), hubPort: hub.port }, children);
      else nodes.push(await startWorker(kind, name, identity, hub.port));
    }
    // Every worker sent its ready message before it resolved (or printed `ready`); it is at most
    // in flight here. The bound only turns a lost message into an error instead of a hang.
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`only ${echoes.length} of ${workers} workers announced their echo within 10 s`));
        }, 10_000);
      }),
    ]);
  } catch (err) {
    await close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  // Round trips go to the workers in name order, whatever order they announced themselves in.
  echoes.sort((a, b) => (a.node < b.node ? -1 : 1));
  // Saturation: the hub's collector keeps `inflight` round trips going until the batch is done.
  let target = 0;
  let issued = 0;
  let done = 0;
  let settle: () => void = () => {};
  const collector = hub.runtime.spawn({
    receive() {
      done++;
      if (issued < target) issue();
      else if (done === target) settle();
    },
  });
  const buf = message(payload, collector);
  const issue = (): void => {
    const e = echoes[issued++ % echoes.length]!;
    void hub.sendTo(e, buf);
  };
  const batch: BatchFn = (size) => {
    target = size;
    issued = 0;
    done = 0;
    const p = new Promise<number>((resolve) => {
      settle = () => resolve(size);
    });
    for (let i = 0; i < Math.min(inflight, size); i++) issue();
    return p;
  };

  // Latency: one in flight to worker 0.
  let left = 0;
  let t0 = 0;
  let rec: LatencyRecorder | undefined;
  let settleRt: () => void = () => {};
  const pinger = hub.runtime.spawn({
    receive() {
      rec!.recordSince(t0);
      if (--left === 0) settleRt();
      else {
        t0 = rec!.now();
        void hub.sendTo(echoes[0]!, pingBuf);
      }
    },
  });
  const pingBuf = message(payload, pinger);
  const roundTrips = (n: number, r: LatencyRecorder): Promise<number> => {
    rec = r;
    left = n;
    const p = new Promise<number>((resolve) => {
      settleRt = () => resolve(n);
    });
    t0 = r.now();
    void hub.sendTo(echoes[0]!, pingBuf);
    return p;
  };

  return {
    batch,
    roundTrips,
    close,
  };
}

// ------------------------------------------------------------------ the raw baselines

/** A raw framed echo per worker (no cluster), over `kind`, driven like the cluster subject. */
export async function rawSubject(
  kind: RawKind,
  identity: Identity,
  workers: number,
  inflight: number,
  payload: number,
  processes: boolean,
): Promise<Subject> {
  const servers: RawServer[] = [];
  const children: ChildProcess[] = [];
  const clients: RawClient[] = [];
  let onReply: () => void = () => {};
  for (let i = 0; i < workers; i++) {
    let port: number;
    if (processes) {
      const cfg = { role: `raw-${kind}`, name: `raw${i}`, identity: identity.toPem(), hubPort: 0 } as const;
      port = await startChild(cfg, children);
    } else {
      const server = await startRawEcho(kind, identity);
      servers.push(server);
      port = server.port;
    }
    clients.push(await dialRawEcho(kind, identity, port, () => onReply()));
  }
  const frame = Buffer.alloc(4 + Math.max(8, payload));
  frame.writeUInt32BE(frame.length - 4, 0);
  const send = (i: number): void => clients[i % clients.length]!.send(frame);
  let target = 0;
  let issued = 0;
  let done = 0;
  let settle: () => void = () => {};
  const batch: BatchFn = (size) => {
    target = size;
    issued = 0;
    done = 0;
    onReply = () => {
      done++;
      if (issued < target) send(issued++);
      else if (done === target) settle();
    };
    const p = new Promise<number>((resolve) => {
      settle = () => resolve(size);
    });
    for (let i = 0; i < Math.min(inflight, size); i++) send(issued++);
    return p;
  };
  const roundTrips = (n: number, rec: LatencyRecorder): Promise<number> => {
    let left = n;
    let t0 = rec.now();
    return new Promise<number>((resolve) => {
      onReply = () => {
        rec.recordSince(t0);
        if (--left === 0) resolve(n);
        else {
          t0 = rec.now();
          send(0);
        }
      };
      send(0);
    });
  };
  return {
    batch,
    roundTrips,
    close: async () => {
      await stopChildren(children);
      for (const c of clients) c.close();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

// ------------------------------------------------------------------ child entry point

const childEnv = process.env.WACTOR_FANOUT_CHILD;
if (childEnv !== undefined) {
  const cfg = JSON.parse(childEnv) as ChildConfig;
  const identity = Identity.fromPem(cfg.identity);
  if (cfg.role === 'raw-tls' || cfg.role === 'raw-quic') {
    const server = await startRawEcho(cfg.role === 'raw-tls' ? 'tls' : 'quic', identity);
    process.stdout.write(`ready ${server.port}\n`);
  } else {
    const w = await startWorker(cfg.role, cfg.name, identity, cfg.hubPort);
    process.stdout.write(`ready ${w.port}\n`);
  }
}
