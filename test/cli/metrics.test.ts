import { afterEach, describe, expect, test } from 'vitest';
import { createServeMetrics } from '../../cli/metrics.js';
import { type ServeHandle, serve } from '../../cli/serve.js';
import { ClusterNode, Identity } from '../../cluster/index.js';
import { silentLogger } from '../../runtime/index.js';
import { eventually } from '../helpers/eventually.js';
import { quietRuntime } from '../helpers/runtime.js';

/** The value of one sample in Prometheus text (`name{labels} value`); undefined if absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const head = labels === '' ? name : `${name}{${labels}}`;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${head} `)) return Number(line.slice(head.length + 1));
  }
  return undefined;
}

const nodes: ServeHandle[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.close();
  for (const c of cleanups.splice(0)) await c();
});

async function start(options: Parameters<typeof serve>[0] = {}) {
  const node = await serve({ port: 0, shards: 1, logger: silentLogger, ...options });
  nodes.push(node);
  const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${node.port}${path}`, init);
  const scrape = async () => {
    const res = await http('/metrics');
    expect(res.status).toBe(200);
    return { type: res.headers.get('content-type'), text: await res.text() };
  };
  return { node, http, scrape };
}
const post = (body: string) => ({ method: 'POST', body });

describe('GET /metrics', () => {
  test('counts requests per route and status, and reports the node, its shards and Node.js', async () => {
    const { http, scrape } = await start();
    for (const word of ['a', 'b', 'c'])
      expect(await (await http('/call/echo', post(word))).text()).toBe(word);
    expect((await http('/call/nobody', post('x'))).status).toBe(404);
    expect((await http('/frobnicate')).status).toBe(404);
    expect((await http('/%E0%A4%A', post('x'))).status).toBe(400);
    await http('/spawn/crasher?name=boom', post(''));
    expect((await http('/call/boom', post('unreachable'))).status).toBe(502);

    const { type, text } = await scrape();
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(text, 'wactor_http_requests_total', 'route="call",status="200"')).toBe(3);
    expect(sample(text, 'wactor_http_requests_total', 'route="call",status="404"')).toBe(1);
    expect(sample(text, 'wactor_http_requests_total', 'route="call",status="502"')).toBe(1);
    expect(sample(text, 'wactor_http_requests_total', 'route="spawn",status="201"')).toBe(1);
    // Unknown paths share one label, whatever the client sends.
    expect(sample(text, 'wactor_http_requests_total', 'route="other",status="404"')).toBe(1);
    expect(sample(text, 'wactor_http_requests_total', 'route="other",status="400"')).toBe(1);
    expect(sample(text, 'wactor_http_request_duration_seconds_count', 'route="call"')).toBe(5);
    // Four services and the crasher were spawned on the shard, plus one process per call.
    expect(sample(text, 'wactor_processes_spawned_total')).toBeGreaterThanOrEqual(10);
    expect(sample(text, 'wactor_processes_crashed_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'wactor_processes')).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'wactor_messages_sent_total')).toBeGreaterThanOrEqual(6);
    expect(sample(text, 'wactor_ring_messages_refused_total')).toBe(0);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // No cluster: no cluster metrics.
    expect(text).not.toContain('wactor_cluster_peers');
  });

  test('a path named after an Object.prototype member gets the fixed label too', async () => {
    const { http, scrape } = await start();
    for (const path of ['/constructor/x', '/toString/x', '/__proto__/x', '/hasOwnProperty/x']) {
      expect((await http(path, post('x'))).status).toBe(404);
    }
    const { text } = await scrape();
    expect(sample(text, 'wactor_http_requests_total', 'route="other",status="404"')).toBe(4);
    expect(text).not.toMatch(/route="(function|\[object)/);
  });

  test('a request the client abandons is counted as aborted', async () => {
    const { http, scrape } = await start({ shards: 0 });
    const abort = new AbortController();
    // The counter never answers 'inc': the call waits until the client gives up.
    const pending = http('/call/counter?timeout=30000', { ...post('inc'), signal: abort.signal }).catch(
      (e: Error) => e.name,
    );
    await eventually(async () => {
      const procs = (await (await http('/processes')).json()) as { label: string }[];
      expect(procs.some((p) => p.label === 'http-call')).toBe(true);
    });
    abort.abort();
    expect(await pending).toBe('AbortError');
    await eventually(async () => {
      const { text } = await scrape();
      expect(sample(text, 'wactor_http_requests_total', 'route="call",status="aborted"')).toBe(1);
    });
    // The abandoned call's process ends with its client, not 30 s later at its timeout.
    await eventually(async () => {
      const procs = (await (await http('/processes')).json()) as { label: string }[];
      expect(procs.some((p) => p.label === 'http-call')).toBe(false);
    });
  });

  test('totals follow the node between scrapes, and a scrape counts itself on the next', async () => {
    const { http, scrape } = await start({ shards: 0 });
    const first = await scrape();
    const spawnedBefore = sample(first.text, 'wactor_processes_spawned_total')!;
    for (let i = 0; i < 4; i++) expect((await http('/spawn/counter', post(''))).status).toBe(201);
    const second = await scrape();
    expect(sample(second.text, 'wactor_processes_spawned_total')).toBe(spawnedBefore + 4);
    expect(sample(second.text, 'wactor_http_requests_total', 'route="metrics",status="200"')).toBe(1);
  });

  test('a clustered node reports its peers and the messages that crossed', async () => {
    const identity = await Identity.generate();
    const { node, scrape } = await start({
      cluster: { name: 'served', identity, host: '127.0.0.1', port: 0, logger: silentLogger },
    });
    const rt = quietRuntime();
    const peer = await ClusterNode.start({ name: 'peer', runtime: rt, identity, host: '127.0.0.1', port: 0 });
    cleanups.push(async () => {
      await peer.close();
      await rt.shutdown();
    });
    await peer.connect('127.0.0.1', node.cluster!.port);
    await eventually(() => expect(peer.whereisGlobal('echo')).toBe('served'));
    await peer.sendGlobal('echo', new TextEncoder().encode('x'));
    await peer.send('served', 'nobody', new TextEncoder().encode('y'));
    await eventually(async () => {
      const { text } = await scrape();
      expect(sample(text, 'wactor_cluster_peers')).toBe(1);
      expect(sample(text, 'wactor_cluster_messages_in_total')).toBe(2);
      expect(sample(text, 'wactor_cluster_messages_dropped_total')).toBe(1);
      expect(sample(text, 'wactor_cluster_links_refused_total')).toBe(0);
    });
  });

  test('two metric sets in one process keep separate registries', async () => {
    const a = quietRuntime();
    const b = quietRuntime();
    cleanups.push(
      () => a.shutdown(),
      () => b.shutdown(),
    );
    const ma = createServeMetrics({ node: a, processMetrics: false });
    const mb = createServeMetrics({ node: b, processMetrics: false });
    a.spawn({ receive() {} });
    ma.observeHttp('call', 200, 0.001);
    expect(sample(await ma.render(), 'wactor_processes')).toBe(1);
    const textB = await mb.render();
    expect(sample(textB, 'wactor_processes')).toBe(0);
    expect(sample(textB, 'wactor_http_requests_total', 'route="call",status="200"')).toBeUndefined();
    expect(textB).not.toContain('process_cpu_seconds_total');
  });
});
