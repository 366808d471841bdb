/**
 * `serve-http`: request/reply through `wactor serve` — HTTP ingress → a Wasm echo actor on a
 * shard → reply → HTTP response — against a bare `node:http` handler that echoes the body, in
 * the same run, with the same keep-alive client (in this process, `concurrency` requests in
 * flight, `bytes`-byte bodies). Throughput (requests/s) and latency (p50/p99/p99.9 with one
 * request in flight) are separate figures.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import { type ServeHandle, serve } from '../../cli/serve.js';
import { silentLogger } from '../../runtime/index.js';
import { LatencyRecorder } from '../harness/latency.js';
import { compare, metric } from '../harness/result.js';
import type { Metric, Scenario } from '../harness/scenario.js';

function post(agent: Agent, port: number, path: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': body.length } },
      (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode} from ${path}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Requests/s with `concurrency` loops for `seconds`. */
async function throughput(
  port: number,
  path: string,
  body: Uint8Array,
  concurrency: number,
  seconds: number,
): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    // Warm-up: open the sockets and let both ends JIT.
    const warmEnd = performance.now() + Math.min(1000, seconds * 200);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < warmEnd) await post(agent, port, path, body);
      }),
    );
    let done = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          await post(agent, port, path, body);
          done++;
        }
      }),
    );
    return (done * 1000) / (performance.now() - start);
  } finally {
    agent.destroy();
  }
}

/** One request in flight, each round trip recorded. */
async function latency(
  port: number,
  path: string,
  body: Uint8Array,
  seconds: number,
): Promise<LatencyRecorder> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const rec = new LatencyRecorder();
  try {
    for (let i = 0; i < 200; i++) await post(agent, port, path, body);
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t0 = rec.now();
      await post(agent, port, path, body);
      rec.recordSince(t0);
    }
    return rec;
  } finally {
    agent.destroy();
  }
}

async function bareEcho(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.concat(chunks)),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.address() as { port: number }).port };
}

export const scenario: Scenario = {
  name: 'serve-http',
  description:
    'wactor serve POST /call/echo (HTTP → Wasm actor on a shard → reply) vs a bare node:http echo handler',
  defaults: { shards: 2, concurrency: 32, bytes: 64 },
  integers: { shards: { min: 0 }, concurrency: { min: 1 }, bytes: { min: 1, max: 65536 } },
  async run({ seconds, settings, log }): Promise<Metric[]> {
    const shards = settings.shards as number;
    const concurrency = settings.concurrency as number;
    const bytes = settings.bytes as number;
    const body = new Uint8Array(bytes).fill(0x61);
    const bare = await bareEcho();
    let node: ServeHandle | undefined;
    try {
      node = await serve({ port: 0, shards, logger: silentLogger, services: ['echo=echo'] });
      log(`serve-http: bare echo on ${bare.port}, wactor serve on ${node.port} (${shards} shards)`);
      // Alternate the two so load drift on a shared machine hits both alike.
      let bareRps = 0;
      let serveRps = 0;
      for (let round = 0; round < 2; round++) {
        bareRps += await throughput(bare.port, '/', body, concurrency, seconds / 2);
        serveRps += await throughput(node.port, '/call/echo', body, concurrency, seconds / 2);
      }
      bareRps /= 2;
      serveRps /= 2;
      const bareLat = await latency(bare.port, '/', body, seconds);
      const serveLat = await latency(node.port, '/call/echo', body, seconds);
      return [
        metric('bare node:http echo', 'req/s', bareRps),
        compare('wactor serve /call/echo', 'req/s', serveRps, {
          name: 'bare node:http echo',
          value: bareRps,
        }),
        ...serveLat.toMetrics('wactor serve round trip', { name: 'bare echo round trip', recorder: bareLat }),
      ];
    } finally {
      await node?.close();
      await new Promise((ok) => bare.server.close(ok));
    }
  },
};
