/**
 * `GET /metrics` of `wactor serve`: the node's counters in the Prometheus text format, through
 * prom-client.
 *
 * Process and message totals come from `node.stats()` (for a `Scheduler` that is one query per
 * shard, so a scrape takes one snapshot and sets every metric from it rather than letting each
 * metric ask on its own); ring pressure from the scheduler's ring counters; link and message
 * counts from the cluster node when there is one; request counts and durations from the HTTP
 * ingress itself; the Node.js process metrics (CPU, heap, event-loop delay, GC) from prom-client's
 * default collectors.
 */
import * as prom from 'prom-client';
import type { ClusterNode } from '../cluster/index.js';
import type { LocalNode } from '../runtime/index.js';

/** The route label of an HTTP request (a fixed set, so a client cannot blow up the label space). */
export type HttpRoute = 'summary' | 'processes' | 'metrics' | 'health' | 'spawn' | 'call' | 'send' | 'other';

export interface ServeMetricsOptions {
  readonly node: LocalNode;
  readonly cluster?: ClusterNode | undefined;
  /** Collect prom-client's Node.js process metrics too (default true). */
  readonly processMetrics?: boolean;
}

/** Counters that mirror a monotonically growing total read from a snapshot. */
type Totals = Record<string, prom.Counter>;

/** The metrics of one served node; see {@link createServeMetrics}. */
export interface ServeMetrics {
  /** The Prometheus content type of {@link render}'s text. */
  readonly contentType: string;
  /** Take a snapshot of the node (and cluster) and render every metric. */
  render(): Promise<string>;
  /** Count one HTTP request: its status, or `aborted` when the client left before the answer. */
  observeHttp(route: HttpRoute, status: number | 'aborted', seconds: number): void;
}

const NODE_TOTALS = {
  spawned: ['wactor_processes_spawned_total', 'Processes spawned since start'],
  exited: ['wactor_processes_exited_total', 'Processes that ended, whatever the reason'],
  crashed: ['wactor_processes_crashed_total', 'Processes that ended by a crash (a throw or a Wasm trap)'],
  messagesSent: ['wactor_messages_sent_total', 'User messages accepted into a mailbox'],
  messagesRefused: [
    'wactor_messages_refused_total',
    'Sends refused: the target was gone or its bounded mailbox full',
  ],
  ringQueued: [
    'wactor_ring_messages_queued_total',
    'Cross-shard messages that waited for room in a full ring',
  ],
  ringRefused: [
    'wactor_ring_messages_refused_total',
    'Cross-shard messages refused (the sender queue was full)',
  ],
} as const;

const CLUSTER_TOTALS = {
  framesIn: ['wactor_cluster_frames_in_total', 'Frames read from peers'],
  framesOut: ['wactor_cluster_frames_out_total', 'Frames written to peers'],
  messagesIn: ['wactor_cluster_messages_in_total', 'Messages that arrived from peers'],
  messagesOut: ['wactor_cluster_messages_out_total', 'Messages sent to peers'],
  messagesDropped: [
    'wactor_cluster_messages_dropped_total',
    'Messages from peers for a name or pid that does not exist here, or a full mailbox',
  ],
  linksRefused: ['wactor_cluster_links_refused_total', 'Peer links refused at the handshake'],
} as const;

function totals(spec: Record<string, readonly [string, string]>, registers: prom.Registry[]): Totals {
  const out: Totals = {};
  for (const [key, [name, help]] of Object.entries(spec))
    out[key] = new prom.Counter({ name, help, registers });
  return out;
}

/** Set each counter to the snapshot's total (a counter only goes up, and so do these totals). */
function setTotals(counters: Totals, snapshot: object): void {
  for (const [key, counter] of Object.entries(counters)) {
    const value = (snapshot as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    counter.reset();
    counter.inc(value);
  }
}

/**
 * Create the metrics of a served node on a fresh registry (never the global one, so two nodes in
 * one process do not collide).
 *
 * @example
 * const metrics = createServeMetrics({ node: scheduler, cluster });
 * const server = createGateway(backend, { metrics });   // GET /metrics
 * console.log(await metrics.render());                   // # HELP wactor_processes …
 */
export function createServeMetrics(options: ServeMetricsOptions): ServeMetrics {
  const registry = new prom.Registry();
  const registers = [registry];
  if (options.processMetrics !== false) prom.collectDefaultMetrics({ register: registry });
  const processes = new prom.Gauge({ name: 'wactor_processes', help: 'Live processes', registers });
  const nodeTotals = totals(NODE_TOTALS, registers);
  const cluster = options.cluster;
  const peers =
    cluster === undefined
      ? undefined
      : new prom.Gauge({ name: 'wactor_cluster_peers', help: 'Linked peer nodes', registers });
  const clusterTotals = cluster === undefined ? undefined : totals(CLUSTER_TOTALS, registers);
  const requests = new prom.Counter({
    name: 'wactor_http_requests_total',
    help: 'HTTP requests, by route and status (aborted: the client left before the answer)',
    labelNames: ['route', 'status'],
    registers,
  });
  const durations = new prom.Histogram({
    name: 'wactor_http_request_duration_seconds',
    help: 'HTTP request durations, by route',
    labelNames: ['route'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  return {
    contentType: registry.contentType,
    async render() {
      const stats = await options.node.stats();
      processes.set(stats.processes);
      setTotals(nodeTotals, stats);
      if (cluster !== undefined) {
        const m = cluster.metrics();
        peers!.set(m.peers);
        setTotals(clusterTotals!, m);
      }
      return registry.metrics();
    },
    observeHttp(route, status, seconds) {
      requests.inc({ route, status: String(status) });
      durations.observe({ route }, seconds);
    },
  };
}
