import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HandshakeError } from '../../cluster/errors.js';
import { ClusterCa, Identity } from '../../cluster/identity.js';
import { FrameType } from '../../cluster/protocol.js';
import { eventually } from '../helpers/eventually.js';
import { Nodes } from './helpers.js';
import { RawPeer } from './raw-peer.js';

let shared: Identity;
let other: Identity;
let ca: ClusterCa;
let foreign: ClusterCa;
beforeAll(async () => {
  [shared, other, ca, foreign] = await Promise.all([
    Identity.generate(),
    Identity.generate(),
    ClusterCa.generate(),
    ClusterCa.generate(),
  ]);
});

const nodes = new Nodes();
const raws: RawPeer[] = [];
afterEach(async () => {
  await Promise.all(raws.splice(0).map((r) => r.close()));
  await nodes.closeAll();
});

describe('cluster security', () => {
  it('rejects a node presenting another certificate, on both sides', async () => {
    const alpha = await nodes.start('alpha', shared);
    const mallory = await nodes.start('mallory', other);
    await expect(mallory.connect('127.0.0.1', alpha.port)).rejects.toBeInstanceOf(HandshakeError);
    await expect(alpha.connect('127.0.0.1', mallory.port)).rejects.toBeInstanceOf(HandshakeError);
    expect(alpha.peers()).toEqual([]);
    expect(mallory.peers()).toEqual([]);
  });

  it('forms a cluster of CA-issued nodes', async () => {
    const [a, b, c] = await Promise.all([ca.issue('alpha'), ca.issue('beta'), ca.issue('gamma')]);
    const alpha = await nodes.start('alpha', a);
    const seeds = [`127.0.0.1:${alpha.port}`];
    const beta = await nodes.start('beta', b, { seeds });
    const gamma = await nodes.start('gamma', c, { seeds });
    await eventually(() => {
      expect(alpha.peers().sort()).toEqual(['beta', 'gamma']);
      expect(beta.peers().sort()).toEqual(['alpha', 'gamma']);
      expect(gamma.peers().sort()).toEqual(['alpha', 'beta']);
    });
  });

  it('rejects a node whose certificate comes from a foreign CA', async () => {
    const alpha = await nodes.start('alpha', await ca.issue('alpha'));
    const beta = await nodes.start('beta', await foreign.issue('beta'));
    await expect(beta.connect('127.0.0.1', alpha.port)).rejects.toBeInstanceOf(HandshakeError);
    expect(alpha.peers()).toEqual([]);
  });

  it('refuses to start under a name the certificate does not carry', async () => {
    await expect(nodes.start('beta', await ca.issue('alpha'))).rejects.toThrow(
      /must equal the CA-issued certificate's name "alpha"/,
    );
  });

  it("rejects a peer announcing another node's name, and logs why", async () => {
    const alpha = await nodes.start('alpha', await ca.issue('alpha'));
    const raw = await RawPeer.dial(await ca.issue('mallory'), alpha.port);
    raws.push(raw);
    raw.hello('beta');
    await eventually(() => expect(raw.frames[0]?.[0]).toBe(FrameType.Reject));
    expect(raw.frames[0]?.[1]).toMatch(/node name "beta" does not match its certificate's "mallory"/);
    await eventually(() => expect(raw.closed).toBe(true));
    expect(alpha.peers()).toEqual([]);
    expect(nodes.logger.warnings.join('\n')).toMatch(/refused link .* "beta" does not match/);
    await eventually(() => expect(alpha.metrics().linksRefused).toBe(1));
  });

  it('rejects a hello claiming the node’s own name', async () => {
    const alpha = await nodes.start('alpha', shared);
    const raw = await RawPeer.dial(shared, alpha.port);
    raws.push(raw);
    raw.hello('alpha');
    await eventually(() => expect(raw.frames[0]?.[1]).toMatch(/this node's own name/));
  });
});
