/**
 * `cluster-fanout`: a hub node and `workers` worker nodes on loopback, in this process. Each
 * worker runs an echo process that bounces `[reply pid][padding]` (`payload` bytes) back to the
 * hub, as in the seed's benchmark. Measured for each transport (`transports`, default tls and
 * quic) against a raw framed `node:tls` echo (length-prefixed frames, writes coalesced per
 * event-loop turn, the same certificates) in the same run:
 *
 * - phase 1, unloaded round trip: one message in flight to worker 0, p50/p99/p99.9 after warm-up;
 * - phase 2, saturation: `inflight` round trips in flight spread over the workers; round trips/s
 *   and cross-node messages/s (2 per round trip).
 *
 * With `processes=true` every worker node (and every raw echo server) runs in its own child
 * process — this file is also the child's entry point (`WACTOR_FANOUT_CHILD`).
 *
 * Targets (issue 5): the default transport's p50 within 2× of the raw TLS echo's, and ≥ 50% of
 * its message rate.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ClusterNode, Identity, type IdentityPem } from '../../cluster/index.js';
import { type Pid, Runtime, silentLogger } from '../../runtime/index.js';
import { LatencyRecorder } from '../harness/latency.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';
import { type BatchFn, measureInterleaved, measureThroughput } from '../harness/throughput.js';

type Kind = 'tls' | 'quic';

interface Subject {
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
  readonly role: 'tls' | 'quic' | 'raw';
  readonly name: string;
  readonly identity: IdentityPem;
  readonly hubPort: number;
}

/** A worker node with its echo process (registered globally as `echo-<name>`). */
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
  return w;
}

/** Start this file as a child process in `role`; resolves once it printed `ready <port>`. */
function startChild(cfg: ChildConfig, children: ChildProcess[]): Promise<number> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, WACTOR_FANOUT_CHILD: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`fanout child ${cfg.name} exited with ${code}`)));
  });
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

// ------------------------------------------------------------------ the cluster subject

async function clusterSubject(
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
  const nodes: ClusterNode[] = [];
  const children: ChildProcess[] = [];
  const names = Array.from({ length: workers }, (_, i) => `worker${i}`);
  for (const name of names) {
    if (processes)
      await startChild({ role: kind, name, identity: identity.toPem(), hubPort: hub.port }, children);
    else nodes.push(await startWorker(kind, name, identity, hub.port));
  }
  const echoes: { node: string; pid: Pid }[] = [];
  for (const name of names) {
    for (let tries = 0; hub.lookupGlobal(`echo-${name}`) === undefined; tries++) {
      if (tries > 2000) throw new Error(`worker ${name} never registered its echo`);
      await new Promise((r) => setTimeout(r, 5));
    }
    echoes.push(hub.lookupGlobal(`echo-${name}`)!);
  }

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
    close: async () => {
      await stopChildren(children);
      for (const n of [...nodes, hub]) {
        await n.close();
        await n.runtime.shutdown();
      }
    },
  };
}

// ------------------------------------------------------------------ the raw TLS baseline

/** Split `[u32 len][body]` frames out of a stream; calls `onFrame` per frame, returns leftover. */
function parseFrames(buf: Buffer, onFrame: (frame: Buffer) => void): Buffer {
  let at = 0;
  while (buf.length - at >= 4) {
    const len = buf.readUInt32BE(at);
    if (buf.length - at - 4 < len) break;
    onFrame(buf.subarray(at, at + 4 + len));
    at += 4 + len;
  }
  return buf.subarray(at);
}

/** The raw echo side: every complete frame goes back, one write per chunk read. */
async function startRawEcho(identity: Identity, sockets: tls.TLSSocket[]): Promise<tls.Server> {
  const server = tls.createServer(
    {
      cert: identity.certPem,
      key: identity.keyPem,
      minVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: false,
    },
    (s) => {
      sockets.push(s);
      s.setNoDelay(true);
      let rest: Buffer = Buffer.alloc(0);
      s.on('data', (chunk: Buffer) => {
        const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
        const frames: Buffer[] = [];
        rest = parseFrames(buf, (f) => frames.push(f));
        if (frames.length) s.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

async function rawTlsSubject(
  identity: Identity,
  workers: number,
  inflight: number,
  payload: number,
  processes: boolean,
): Promise<Subject> {
  const secure = { cert: identity.certPem, key: identity.keyPem, minVersion: 'TLSv1.3' as const };
  const servers: tls.Server[] = [];
  const sockets: tls.TLSSocket[] = [];
  const children: ChildProcess[] = [];
  const clients: { socket: tls.TLSSocket; out: Buffer[]; scheduled: boolean }[] = [];
  let onReply: () => void = () => {};
  for (let i = 0; i < workers; i++) {
    let port: number;
    if (processes) {
      port = await startChild(
        { role: 'raw', name: `raw${i}`, identity: identity.toPem(), hubPort: 0 },
        children,
      );
    } else {
      const server = await startRawEcho(identity, sockets);
      servers.push(server);
      port = (server.address() as { port: number }).port;
    }
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const c = tls.connect({ ...secure, host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        if (c.getPeerX509Certificate()?.fingerprint256 !== identity.fingerprint)
          reject(new Error('pin mismatch'));
        else resolve(c);
      });
      c.once('error', reject);
    });
    socket.setNoDelay(true);
    let rest: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      rest = parseFrames(buf, () => onReply());
    });
    clients.push({ socket, out: [], scheduled: false });
  }
  const frame = Buffer.alloc(4 + Math.max(8, payload));
  frame.writeUInt32BE(frame.length - 4, 0);
  // Frames queued in one turn leave in one write, as the cluster's frame writer does.
  const send = (i: number): void => {
    const c = clients[i % clients.length]!;
    c.out.push(frame);
    if (!c.scheduled) {
      c.scheduled = true;
      setImmediate(() => {
        c.scheduled = false;
        const out = c.out;
        c.out = [];
        c.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      });
    }
  };
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
      for (const c of clients) c.socket.destroy();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

// ------------------------------------------------------------------ the scenario

export const scenario: Scenario = {
  name: 'cluster-fanout',
  description:
    'hub + N worker nodes on loopback echoing [reply pid] messages, per transport, vs a raw framed node:tls echo',
  defaults: { workers: 2, inflight: 256, payload: 64, transports: 'tls,quic', processes: false },
  async run({ seconds, settings, log }) {
    const workers = settings.workers as number;
    const inflight = settings.inflight as number;
    const payload = settings.payload as number;
    const processes = settings.processes === true;
    for (const [k, v] of [
      ['workers', workers],
      ['inflight', inflight],
      ['payload', payload],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
    }
    const kinds = String(settings.transports)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    for (const k of kinds) {
      if (k !== 'tls' && k !== 'quic')
        throw new RangeError(`transports must list 'tls' and/or 'quic', got ${k}`);
    }
    const identity = await Identity.generate();
    log(processes ? `${workers} workers as child processes` : `${workers} workers in this process`);
    const subjects: Record<string, Subject> = {
      raw: await rawTlsSubject(identity, workers, inflight, payload, processes),
    };
    for (const k of kinds as Kind[]) {
      subjects[k] = await clusterSubject(k, identity, workers, inflight, payload, processes);
    }
    try {
      log(
        `saturation: raw tls echo and cluster over ${kinds.join(', ')}, ${inflight} in flight, interleaved`,
      );
      const batches: Record<string, BatchFn> = {};
      for (const [k, s] of Object.entries(subjects)) batches[k] = s.batch;
      const t = await measureInterleaved(batches, { seconds });
      const rawRt = { name: 'raw tls echo', value: t.raw!.perSecond };
      const rawMsgs = { name: 'raw tls echo', value: 2 * t.raw!.perSecond };
      const metrics: Metric[] = [
        metric('raw tls echo round trips', 'rt/s', rawRt.value),
        metric('raw tls echo messages', 'msgs/s', rawMsgs.value),
      ];
      for (const k of kinds) {
        metrics.push(compare(`cluster ${k} round trips`, 'rt/s', t[k]!.perSecond, rawRt));
        metrics.push(compare(`cluster ${k} cross-node messages`, 'msgs/s', 2 * t[k]!.perSecond, rawMsgs));
      }
      log('unloaded round trip: raw tls echo');
      const rawRec = new LatencyRecorder();
      await measureThroughput((n) => subjects.raw!.roundTrips(n, rawRec), {
        seconds,
        afterWarmup: () => rawRec.reset(),
      });
      metrics.push(...rawRec.toMetrics('raw tls echo round trip'));
      for (const k of kinds) {
        log(`unloaded round trip: cluster over ${k}`);
        const rec = new LatencyRecorder();
        await measureThroughput((n) => subjects[k]!.roundTrips(n, rec), {
          seconds,
          afterWarmup: () => rec.reset(),
        });
        metrics.push(
          ...rec.toMetrics(`cluster ${k} round trip`, { name: 'raw tls echo round trip', recorder: rawRec }),
        );
      }
      return metrics;
    } finally {
      for (const s of Object.values(subjects)) await s.close();
    }
  },
};

// ------------------------------------------------------------------ child entry point

const childEnv = process.env.WACTOR_FANOUT_CHILD;
if (childEnv !== undefined) {
  const cfg = JSON.parse(childEnv) as ChildConfig;
  const identity = Identity.fromPem(cfg.identity);
  if (cfg.role === 'raw') {
    const server = await startRawEcho(identity, []);
    process.stdout.write(`ready ${(server.address() as { port: number }).port}\n`);
  } else {
    const w = await startWorker(cfg.role, cfg.name, identity, cfg.hubPort);
    process.stdout.write(`ready ${w.port}\n`);
  }
}
