import { afterEach, expect, test } from 'vitest';
import type { PeerLink } from '../../cluster/peer-link.js';
import { ProcessWatcher } from '../../cluster/process-watcher.js';
import { FrameType } from '../../cluster/protocol.js';
import { RemoteMonitors } from '../../cluster/remote-monitors.js';
import type { Runtime } from '../../runtime/index.js';
import { eventually } from '../helpers/eventually.js';
import { idle, quietRuntime } from '../helpers/runtime.js';

/** A stand-in for a link: a name and the frames sent on it. */
function fakeLink(name: string): PeerLink & { sent: unknown[][] } {
  const sent: unknown[][] = [];
  return { name, sent, send: (f: unknown[]) => sent.push(f) } as unknown as PeerLink & { sent: unknown[][] };
}

let rt: Runtime;
let watcher: ProcessWatcher;
afterEach(async () => {
  watcher.close();
  await rt.shutdown();
});

test('after a link is replaced, held monitors are sent again on the new link', () => {
  rt = quietRuntime();
  watcher = new ProcessWatcher(rt, 'test');
  let current = fakeLink('beta');
  const monitors = new RemoteMonitors(rt, watcher, () => current);
  const w = idle(rt);
  const ref = monitors.monitor(w, { node: 'beta', pid: 4096 });
  expect(current.sent).toEqual([[FrameType.Monitor, ref, 4096]]);
  current = fakeLink('beta');
  monitors.relink('beta');
  expect(current.sent).toEqual([[FrameType.Monitor, ref, 4096]]);
  monitors.demonitor(ref);
  const after = fakeLink('beta');
  current = after;
  monitors.relink('beta');
  expect(after.sent).toEqual([]);
});

test('a resent Monitor frame keeps the one monitor in place: one Down when the target ends', async () => {
  rt = quietRuntime();
  watcher = new ProcessWatcher(rt, 'test');
  const link = fakeLink('alpha');
  const monitors = new RemoteMonitors(rt, watcher, () => link);
  const target = idle(rt);
  monitors.monitorIn(link, 7, target);
  monitors.monitorIn(link, 7, target);
  rt.exit(target, 'gone');
  await eventually(() => expect(link.sent).toEqual([[FrameType.Down, 7, target, 'gone']]));
  // A monitor resent after its target already ended answers noproc rather than staying silent.
  monitors.monitorIn(link, 7, target);
  await eventually(() =>
    expect(link.sent).toEqual([
      [FrameType.Down, 7, target, 'gone'],
      [FrameType.Down, 7, target, 'noproc'],
    ]),
  );
});
