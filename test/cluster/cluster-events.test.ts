import { expect, test } from 'vitest';
import { ClusterEventHub, type ClusterEvents } from '../../cluster/cluster-events.js';

test('a throwing listener is reported and the others still hear the event; off() unsubscribes', () => {
  const errors: [keyof ClusterEvents, unknown][] = [];
  const events = new ClusterEventHub((event, err) => errors.push([event, err]));
  const heard: string[] = [];
  events.on('nodedown', () => {
    throw new Error('listener bug');
  });
  const off = events.on('nodedown', ({ node, reason }) => heard.push(`${node}: ${reason}`));
  events.on('nodeup', ({ node }) => heard.push(`up ${node}`));
  events.emit('nodedown', { node: 'beta', reason: 'connection closed' });
  events.emit('nodeup', { node: 'beta' });
  off();
  events.emit('nodedown', { node: 'gamma', reason: 'x' });
  expect(heard).toEqual(['beta: connection closed', 'up beta']);
  expect(errors.map(([event, err]) => [event, (err as Error).message])).toEqual([
    ['nodedown', 'listener bug'],
    ['nodedown', 'listener bug'],
  ]);
});

test('an unknown event is refused with the rule, even one named like an Object.prototype member', () => {
  const events = new ClusterEventHub(() => {});
  for (const bad of ['nodeUp', 'constructor', 'toString']) {
    expect(() => events.on(bad as keyof ClusterEvents, () => {})).toThrow(
      `event must be 'nodeup' or 'nodedown', got ${bad}`,
    );
  }
});
