import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Identity } from '../../cluster/identity.js';
import type { Runtime } from '../../runtime/runtime.js';
import { eventually } from '../helpers/eventually.js';
import { bytes, collector, Nodes, text } from './helpers.js';

/** The ClusterNode behaviour suite, run once per transport (cluster-node.*.test.ts). */
export function clusterNodeSuite(transport: 'tls' | 'quic'): void {
  let identity: Identity;
  beforeAll(async () => {
    identity = await Identity.generate();
  });

  const nodes = new Nodes(transport);
  afterEach(() => nodes.closeAll());

  async function pair() {
    const alpha = await nodes.start('alpha', identity);
    const beta = await nodes.start('beta', identity);
    const remote = await alpha.connect('127.0.0.1', beta.port);
    return { alpha, beta, remote, rtA: alpha.runtime as Runtime, rtB: beta.runtime as Runtime };
  }

  describe('ClusterNode messaging', () => {
    it('delivers across nodes by handle, by node name and by remote pid', async () => {
      const { alpha, remote, rtB } = await pair();
      const inbox = collector(rtB);
      rtB.register('greeter', inbox.pid);
      expect(remote.name).toBe('beta');
      await remote.send('greeter', bytes('by handle'));
      await alpha.send('beta', 'greeter', bytes('by name'));
      await alpha.sendTo({ node: 'beta', pid: inbox.pid }, bytes('by pid'));
      // Name and pid addressing may ride different lanes: order holds per destination as addressed.
      await eventually(() => expect(inbox.got.map(text).sort()).toEqual(['by handle', 'by name', 'by pid']));
      expect(inbox.got[0]).toBeInstanceOf(Uint8Array);
    });

    it('carries both directions over the one link the dialer opened', async () => {
      const { alpha, beta, rtA } = await pair();
      await eventually(() => expect(beta.peers()).toEqual(['alpha']));
      const inbox = collector(rtA);
      await beta.sendTo({ node: 'alpha', pid: inbox.pid }, bytes('back'));
      await eventually(() => expect(inbox.got.map(text)).toEqual(['back']));
      expect(alpha.peers()).toEqual(['beta']);
      expect(alpha.metrics().peers).toBe(1);
      expect(beta.metrics().peers).toBe(1);
    });

    it('returns the existing link when connecting twice', async () => {
      const { alpha, beta } = await pair();
      const again = await alpha.connect('127.0.0.1', beta.port);
      expect(again.name).toBe('beta');
      expect(alpha.peers()).toEqual(['beta']);
    });

    it('names the unknown node or global name in the error', async () => {
      const { alpha } = await pair();
      await expect(alpha.send('gamma', 'x', bytes('x'))).rejects.toThrow(/unknown node "gamma"/);
      await expect(alpha.sendTo({ node: 'gamma', pid: 1024 }, bytes('x'))).rejects.toMatchObject({
        code: 'WACTOR_ERR_CLUSTER_UNKNOWN_NODE',
        node: 'gamma',
      });
      await expect(alpha.sendGlobal('nobody', bytes('x'))).rejects.toThrow(/unknown global name "nobody"/);
      await expect(alpha.spawnRemote('gamma', 'worker')).rejects.toThrow(/unknown node "gamma"/);
    });

    it('counts a message for an unregistered remote name as dropped on the receiver', async () => {
      const { alpha, beta } = await pair();
      await alpha.send('beta', 'nobody-here', bytes('lost'));
      await eventually(() => expect(beta.metrics().messagesDropped).toBe(1));
      expect(alpha.metrics().messagesOut).toBe(1);
    });

    it('counts a message to a dead pid of its own node as dropped, as sendGlobal does', async () => {
      const { alpha } = await pair();
      const pid = alpha.runtime.spawn(async () => {});
      await eventually(() => expect(alpha.runtime.isAlive(pid)).toBe(false));
      await alpha.sendTo({ node: 'alpha', pid }, bytes('lost'));
      expect(alpha.metrics()).toMatchObject({ messagesDropped: 1, messagesOut: 0 });
    });

    it('rejects a non-byte message at the send, naming the rule', async () => {
      const { alpha } = await pair();
      await expect(alpha.send('beta', 'x', 'text' as unknown as Uint8Array)).rejects.toThrow(
        /bytes must be a Uint8Array/,
      );
    });

    it('keeps per-pair order for 100k messages under load', async () => {
      const { alpha, rtB } = await pair();
      const total = 100_000;
      let next = 0;
      let outOfOrder = 0;
      const pid = rtB.spawn({
        receive(msg: Uint8Array) {
          const seq = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength).readUInt32BE(0);
          if (seq !== next) outOfOrder++;
          next = seq + 1;
        },
      });
      for (let batch = 0; batch < total / 1000; batch++) {
        for (let i = 0; i < 1000; i++) {
          const b = Buffer.allocUnsafe(8);
          b.writeUInt32BE(batch * 1000 + i, 0);
          void alpha.sendTo({ node: 'beta', pid }, b);
        }
        // Yield so frames go out in many writes while the receiver is busy delivering.
        await new Promise((r) => setImmediate(r));
      }
      await eventually(() => expect(next).toBe(total), { timeout: 25_000 });
      expect(outOfOrder).toBe(0);
    });
  });

  describe('ClusterNode global registry', () => {
    it('bootstraps names registered before the link and broadcasts later ones', async () => {
      const alpha = await nodes.start('alpha', identity);
      const beta = await nodes.start('beta', identity);
      const early = collector(alpha.runtime as Runtime);
      expect(alpha.registerGlobal('early', early.pid)).toBe(true);
      await beta.connect('127.0.0.1', alpha.port);
      await eventually(() => expect(beta.whereisGlobal('early')).toBe('alpha'));
      const late = collector(beta.runtime as Runtime);
      expect(beta.registerGlobal('late', late.pid)).toBe(true);
      await eventually(() => expect(alpha.whereisGlobal('late')).toBe('beta'));
      await beta.sendGlobal('early', bytes('to alpha'));
      await alpha.sendGlobal('late', bytes('to beta'));
      await eventually(() => expect(early.got.map(text)).toEqual(['to alpha']));
      await eventually(() => expect(late.got.map(text)).toEqual(['to beta']));
    });

    it('refuses a global name that is already taken anywhere', async () => {
      const { alpha, beta, rtA, rtB } = await pair();
      expect(alpha.registerGlobal('svc', collector(rtA).pid)).toBe(true);
      await eventually(() => expect(beta.whereisGlobal('svc')).toBe('alpha'));
      expect(beta.registerGlobal('svc', collector(rtB).pid)).toBe(false);
    });

    it('delivers sendGlobal to a local owner without a network hop', async () => {
      const { alpha, rtA } = await pair();
      const inbox = collector(rtA);
      alpha.registerGlobal('local', inbox.pid);
      await alpha.sendGlobal('local', bytes('here'));
      await eventually(() => expect(inbox.got.map(text)).toEqual(['here']));
      expect(alpha.metrics().messagesOut).toBe(0);
    });

    it('broadcasts unregistration', async () => {
      const { alpha, beta, rtA } = await pair();
      alpha.registerGlobal('svc', collector(rtA).pid);
      await eventually(() => expect(beta.whereisGlobal('svc')).toBe('alpha'));
      expect(alpha.unregisterGlobal('svc')).toBe(true);
      expect(alpha.unregisterGlobal('svc')).toBe(false);
      await eventually(() => expect(beta.whereisGlobal('svc')).toBeUndefined());
    });

    it('withdraws a name everywhere when its owner process dies', async () => {
      const { alpha, beta, rtA } = await pair();
      const owner = collector(rtA);
      alpha.registerGlobal('svc', owner.pid);
      await eventually(() => expect(beta.whereisGlobal('svc')).toBe('alpha'));
      rtA.kill(owner.pid);
      await eventually(() => expect(alpha.whereisGlobal('svc')).toBeUndefined());
      await eventually(() => expect(beta.whereisGlobal('svc')).toBeUndefined());
    });

    it('resolves a conflicting claim to the node whose name sorts first and tells the loser', async () => {
      const alpha = await nodes.start('alpha', identity);
      const beta = await nodes.start('beta', identity);
      const a = collector(alpha.runtime as Runtime);
      const b = collector(beta.runtime as Runtime);
      expect(alpha.registerGlobal('leader', a.pid)).toBe(true);
      expect(beta.registerGlobal('leader', b.pid)).toBe(true);
      await beta.connect('127.0.0.1', alpha.port);
      await eventually(() => expect(beta.whereisGlobal('leader')).toBe('alpha'));
      expect(alpha.whereisGlobal('leader')).toBe('alpha');
      await eventually(() =>
        expect(b.got).toEqual([{ type: 'global_name_lost', name: 'leader', winner: 'alpha' }]),
      );
      expect(a.got).toEqual([]);
    });

    it('prunes the names of a peer that closes, and reports nodedown', async () => {
      const { alpha, beta, rtB } = await pair();
      const downs: string[] = [];
      alpha.on('nodedown', (e) => downs.push(e.node));
      beta.registerGlobal('svc', collector(rtB).pid);
      await eventually(() => expect(alpha.whereisGlobal('svc')).toBe('beta'));
      await beta.close();
      await eventually(() => expect(alpha.peers()).toEqual([]));
      expect(alpha.whereisGlobal('svc')).toBeUndefined();
      expect(downs).toEqual(['beta']);
      expect(alpha.metrics().linksRefused).toBe(0);
      expect(beta.metrics().linksRefused).toBe(0);
    });
  });

  describe('ClusterNode remote spawn and live attach', () => {
    it('runs a registered factory on the target with the given args', async () => {
      const { alpha, beta, rtB } = await pair();
      const seen: string[] = [];
      beta.registerSpawnable('worker', (rt, args) => {
        seen.push(text(args));
        return rt.spawn({ receive() {} }, { label: 'worker' });
      });
      const pid = await alpha.spawnRemote('beta', 'worker', bytes('job-1'));
      expect(seen).toEqual(['job-1']);
      expect(rtB.isAlive(pid)).toBe(true);
      const info = await alpha.remoteInfo('beta', pid);
      expect(info?.pid).toBe(pid);
      expect(info?.label).toBe('worker');
      expect(await alpha.remotePids('beta')).toContain(pid);
    });

    it('errors naming an unknown factory', async () => {
      const { alpha } = await pair();
      await expect(alpha.spawnRemote('beta', 'nope')).rejects.toMatchObject({
        code: 'WACTOR_ERR_CLUSTER_UNKNOWN_FACTORY',
        message: expect.stringMatching(/no spawnable factory "nope"/),
      });
    });

    it('lists the pids alive on a peer', async () => {
      const { alpha, rtB } = await pair();
      const pids = [collector(rtB).pid, collector(rtB).pid];
      const listed = await alpha.remotePids('beta');
      expect(listed).toEqual(expect.arrayContaining(pids));
      expect(listed).toEqual(await rtB.list());
      expect(await alpha.remoteInfo('beta', 999_999_999)).toBeUndefined();
    });
  });

  describe('ClusterNode monitors', () => {
    it('tells a watcher when a remote process ends, with its reason', async () => {
      const { alpha, rtA, rtB } = await pair();
      const target = collector(rtB);
      const watcher = collector(rtA);
      const ref = alpha.monitorRemote(watcher.pid, { node: 'beta', pid: target.pid });
      // The monitor frame must reach beta before the exit; a ping round trip orders them.
      await alpha.ping('beta');
      rtB.exit(target.pid, 'done');
      await eventually(() =>
        expect(watcher.got).toEqual([{ type: 'down', ref, pid: target.pid, node: 'beta', reason: 'done' }]),
      );
    });

    it('tells a watcher noproc for a remote pid that is not alive, and stops after demonitor', async () => {
      const { alpha, rtA, rtB } = await pair();
      const watcher = collector(rtA);
      const gone = collector(rtB).pid;
      rtB.kill(gone);
      const ref = alpha.monitorRemote(watcher.pid, { node: 'beta', pid: gone });
      await eventually(() =>
        expect(watcher.got).toEqual([{ type: 'down', ref, pid: gone, node: 'beta', reason: 'noproc' }]),
      );
      const alive = collector(rtB).pid;
      const ref2 = alpha.monitorRemote(watcher.pid, { node: 'beta', pid: alive });
      expect(alpha.demonitorRemote(ref2)).toBe(true);
      expect(alpha.demonitorRemote(ref2)).toBe(false);
      await alpha.ping('beta');
      rtB.kill(alive);
      await alpha.ping('beta');
      expect(watcher.got).toHaveLength(1);
    });

    it('tells a watcher noconnection when the link drops', async () => {
      const { alpha, beta, rtA, rtB } = await pair();
      const watcher = collector(rtA);
      const target = collector(rtB).pid;
      const ref = alpha.monitorRemote(watcher.pid, { node: 'beta', pid: target });
      await beta.close();
      await eventually(() =>
        expect(watcher.got).toEqual([
          { type: 'down', ref, pid: target, node: 'beta', reason: 'noconnection' },
        ]),
      );
    });
  });

  describe('ClusterNode membership', () => {
    it('forms a full mesh when three nodes join through one seed', async () => {
      const alpha = await nodes.start('alpha', identity);
      const seeds = [`127.0.0.1:${alpha.port}`];
      const beta = await nodes.start('beta', identity, { seeds });
      const gamma = await nodes.start('gamma', identity, { seeds });
      await eventually(() => {
        expect(alpha.peers().sort()).toEqual(['beta', 'gamma']);
        expect(beta.peers().sort()).toEqual(['alpha', 'gamma']);
        expect(gamma.peers().sort()).toEqual(['alpha', 'beta']);
      });
    });

    it('emits nodeup for a seed reached at start', async () => {
      const alpha = await nodes.start('alpha', identity);
      const ups: string[] = [];
      alpha.on('nodeup', (e) => ups.push(e.node));
      await nodes.start('beta', identity, { seeds: [{ host: '127.0.0.1', port: alpha.port }] });
      await eventually(() => expect(ups).toEqual(['beta']));
    });

    it('validates options with messages that name the option', async () => {
      await expect(nodes.start('bad name', identity)).rejects.toThrow(/options.name must be/);
      await expect(nodes.start('alpha', identity, { seeds: ['nope'] })).rejects.toThrow(/options.seeds\[0\]/);
      await expect(nodes.start('alpha', identity, { rpcTimeout: -1 })).rejects.toThrow(/options.rpcTimeout/);
    });
  });
}
