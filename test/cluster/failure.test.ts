import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stopChildren } from '../../bench/harness/child-process.js';
import type { ClusterNode } from '../../cluster/cluster-node.js';
import { Identity } from '../../cluster/identity.js';
import type { Runtime } from '../../runtime/runtime.js';
import { eventually } from '../helpers/eventually.js';
import { assertBuilt, startChild as startChildNode } from './child-node.js';
import { bytes, collector, Nodes, text } from './helpers.js';

// The bound under test: no heartbeat for `maxSilence` ms means nodedown, whatever phi says.
const detector = { heartbeatInterval: 100, acceptablePause: 600, maxSilence: 2000 };
const BOUND = detector.maxSilence;

let identity: Identity;
beforeAll(async () => {
  assertBuilt();
  identity = await Identity.generate();
});

const children: ChildProcess[] = [];
let nodes = new Nodes();
afterEach(async () => {
  await stopChildren(children);
  await nodes.closeAll();
});

function startChild(name: string, hub: ClusterNode, failureDetector: object = detector) {
  return startChildNode(name, hub, { identity, transport: nodes.transport, failureDetector }, children);
}

async function hubWithInbox(failureDetector: object = detector) {
  const hub = await nodes.start('hub', identity, { failureDetector });
  const inbox = collector(hub.runtime as Runtime);
  hub.registerGlobal('hub-inbox', inbox.pid);
  const ups: string[] = [];
  const downs: { node: string; reason: string }[] = [];
  hub.on('nodeup', (e) => ups.push(e.node));
  hub.on('nodedown', (e) => downs.push(e));
  /** A round trip hub → child's echo → hub, through both sides' global registries. */
  const roundTrip = async (child: string, msg: string) => {
    await eventually(() => expect(hub.whereisGlobal(`svc-${child}`)).toBe(child));
    await hub.sendGlobal(`svc-${child}`, bytes(msg));
    await eventually(() => expect(inbox.got.map(text)).toContain(msg));
  };
  return { hub, ups, downs, roundTrip };
}

describe.each(['tls', 'quic'] as const)('failure detection with child-process nodes over %s', (transport) => {
  beforeEach(() => {
    nodes = new Nodes(transport);
  });

  it('reports nodedown and prunes a SIGKILLed node, then nodeup and re-sync when it restarts', async () => {
    const { hub, ups, downs, roundTrip } = await hubWithInbox();
    const child = await startChild('worker', hub);
    await roundTrip('worker', 'before');
    child.kill('SIGKILL');
    await eventually(() => expect(downs.map((d) => d.node)).toEqual(['worker']), { timeout: BOUND + 3000 });
    expect(hub.whereisGlobal('svc-worker')).toBeUndefined();
    expect(hub.peers()).toEqual([]);
    await startChild('worker', hub);
    await eventually(() => expect(ups).toEqual(['worker', 'worker']));
    await roundTrip('worker', 'after');
  });

  it('declares a frozen (SIGSTOPped) node down through the failure detector within the bound', async () => {
    const { hub, downs, roundTrip } = await hubWithInbox();
    const child = await startChild('frozen', hub);
    await roundTrip('frozen', 'hello');
    // The TCP connection stays open: only missing heartbeats can reveal the failure.
    child.kill('SIGSTOP');
    try {
      await eventually(() => expect(downs.map((d) => d.node)).toEqual(['frozen']), { timeout: BOUND + 3000 });
      // Over QUIC the transport's idle timeout (1 s) may see it first; either way it is bounded.
      expect(downs[0]!.reason).toMatch(
        transport === 'tls' ? /no heartbeat for \d+ ms/ : /no heartbeat|closed/,
      );
      expect(hub.whereisGlobal('svc-frozen')).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('raises no false nodedown while either event loop is busy for a few hundred ms', async () => {
    // The default detector settings: the claim is about what users get out of the box.
    const { hub, downs, roundTrip } = await hubWithInbox({});
    await startChild('busy', hub, {});
    await roundTrip('busy', 'warm-up');
    // The child blocks its loop for 400 ms before echoing.
    await roundTrip('busy', 'busy:400');
    // Now block ours.
    const until = Date.now() + 400;
    while (Date.now() < until) {
      // busy
    }
    await roundTrip('busy', 'after-our-busy');
    expect(downs).toEqual([]);
    expect(hub.peers()).toEqual(['busy']);
  });
});

describe('reconnection', () => {
  beforeEach(() => {
    nodes = new Nodes();
  });

  it('reconnects with backoff to a seed that comes back on its address, and re-syncs', async () => {
    const beta1 = await nodes.start('beta', identity);
    const port = beta1.port;
    const alpha = await nodes.start('alpha', identity, {
      seeds: [`127.0.0.1:${port}`],
      reconnect: { initialDelay: 20, maxDelay: 200 },
    });
    const ups: string[] = [];
    alpha.on('nodeup', (e) => ups.push(e.node));
    expect(alpha.peers()).toEqual(['beta']);
    await beta1.close();
    await eventually(() => expect(alpha.peers()).toEqual([]));
    const beta2 = await nodes.start('beta', identity, { port });
    beta2.registerGlobal('svc', collector(beta2.runtime as Runtime).pid);
    await eventually(() => expect(ups).toEqual(['beta']));
    await eventually(() => expect(alpha.whereisGlobal('svc')).toBe('beta'));
  });
});
