import { expect, test } from 'vitest';
import { LinkTable } from '../../cluster/link-table.js';
import type { PeerLink } from '../../cluster/peer-link.js';
import { FrameType } from '../../cluster/protocol.js';

/** A stand-in for a link: a name, an address, frame counts and the frames sent on it. */
function fakeLink(name: string, framesIn = 0, framesOut = 0): PeerLink & { sent: unknown[][] } {
  const sent: unknown[][] = [];
  return {
    name,
    host: '127.0.0.1',
    port: 4000,
    framesIn,
    framesOut,
    sent,
    send: (f: unknown[]) => sent.push(f),
  } as unknown as PeerLink & {
    sent: unknown[][];
  };
}

test('whenLinked resolves true once a link to that node is added, and at once when one is up', async () => {
  const links = new LinkTable();
  const waiting = links.whenLinked('beta', 60_000);
  links.add(fakeLink('beta'));
  expect(await waiting).toBe(true);
  expect(await links.whenLinked('beta', 60_000)).toBe(true);
  links.close();
});

test('whenLinked resolves false after its timeout without a link', async () => {
  const links = new LinkTable();
  links.add(fakeLink('gamma'));
  expect(await links.whenLinked('beta', 1)).toBe(false);
});

test('close wakes every waiter with false, and later waits resolve false at once', async () => {
  const links = new LinkTable();
  const a = links.whenLinked('beta', 60_000);
  const b = links.whenLinked('gamma', 60_000);
  links.close();
  expect(await Promise.all([a, b])).toEqual([false, false]);
  expect(await links.whenLinked('beta', 60_000)).toBe(false);
});

test('remove takes out only the current link of a node and keeps the frame counts of removed links', () => {
  const links = new LinkTable();
  const old = fakeLink('beta', 3, 4);
  const current = fakeLink('beta', 10, 20);
  links.add(old);
  links.add(current);
  expect(links.remove(old)).toBe(false);
  expect(links.get('beta')).toBe(current);
  expect(links.framesIn).toBe(10);
  expect(links.remove(current)).toBe(true);
  expect(links.has('beta')).toBe(false);
  expect([links.framesIn, links.framesOut]).toEqual([10, 20]);
  links.add(fakeLink('beta', 1, 1));
  expect([links.framesIn, links.framesOut]).toEqual([11, 21]);
});

test('broadcast reaches every link but the excepted one; peerAddresses leaves out the named node', () => {
  const links = new LinkTable();
  const beta = fakeLink('beta');
  const gamma = fakeLink('gamma');
  links.add(beta);
  links.add(gamma);
  links.broadcast([FrameType.PeerUp, 'gamma', '127.0.0.1', 4000], gamma);
  expect(beta.sent).toEqual([[FrameType.PeerUp, 'gamma', '127.0.0.1', 4000]]);
  expect(gamma.sent).toEqual([]);
  expect(links.peerAddresses('beta')).toEqual([['gamma', '127.0.0.1', 4000]]);
  expect(links.names()).toEqual(['beta', 'gamma']);
});
