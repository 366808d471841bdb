import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stopChildren } from '../../bench/harness/child-process.js';
import { FrameWriter } from '../../cluster/frame-writer.js';
import { Identity } from '../../cluster/identity.js';
import { FrameType } from '../../cluster/protocol.js';
import { BufferedStream } from '../../cluster/transport.js';
import { eventually } from '../helpers/eventually.js';
import { assertBuilt, startChild } from './child-node.js';
import { Nodes } from './helpers.js';

describe('FrameWriter backpressure', () => {
  it('is congested while its stream refuses writes and wakes waiters on drain', async () => {
    let accept = false;
    const stream = new BufferedStream(() => accept);
    const w = new FrameWriter(stream);
    w.push([FrameType.SendPid, 1024, new Uint8Array(10)]);
    w.flush();
    expect(w.isCongested).toBe(true);
    let woke = false;
    const waiting = w.whenWritable().then(() => {
      woke = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    accept = true;
    stream.drained();
    await waiting;
    expect(w.isCongested).toBe(false);
  });

  it('is congested while more than a frame cap of bytes waits for this turn', () => {
    const w = new FrameWriter(new BufferedStream(() => true), 1000);
    w.push([FrameType.SendPid, 1024, new Uint8Array(600)]);
    expect(w.isCongested).toBe(false);
    w.push([FrameType.SendPid, 1024, new Uint8Array(600)]);
    expect(w.isCongested).toBe(true);
    w.flush();
    expect(w.isCongested).toBe(false);
  });

  it('releases waiters when closed', async () => {
    const w = new FrameWriter(new BufferedStream(() => false));
    w.push([FrameType.Heartbeat, 1]);
    w.flush();
    const waiting = w.whenWritable();
    w.close();
    await waiting;
  });
});

describe.each(['tls', 'quic'] as const)('cluster backpressure over %s', (transport) => {
  // A frozen peer must not be declared down during this test.
  const lenient = { acceptablePause: 60_000, maxSilence: 120_000 };
  let identity: Identity;
  const nodes = new Nodes(transport);
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    assertBuilt();
    identity = await Identity.generate();
  });
  afterEach(async () => {
    await stopChildren(children);
    await nodes.closeAll();
  });

  it('makes senders wait while a frozen peer reads nothing, then lets them finish', async () => {
    const hub = await nodes.start('hub', identity, { failureDetector: lenient });
    const child = await startChild('sink', hub, { identity, transport, failureDetector: lenient }, children);
    await eventually(() => expect(hub.whereisGlobal('svc-sink')).toBe('sink'));
    child.kill('SIGSTOP');
    const total = 200;
    const chunk = new Uint8Array(256 * 1024); // 50 MiB in all
    let sent = 0;
    let waitedTurns = 0;
    const flood = (async () => {
      for (let i = 0; i < total; i++) {
        let done = false;
        const p = hub.sendGlobal('svc-sink', chunk).then(() => {
          done = true;
        });
        // Count event-loop turns spent waiting on this send (turns, not time).
        while (!done) {
          await new Promise((r) => setImmediate(r));
          if (!done) waitedTurns++;
        }
        await p;
        sent++;
      }
    })();
    // The sender is held back: it keeps waiting while the peer reads nothing.
    await eventually(() => expect(waitedTurns).toBeGreaterThan(2000), { timeout: 20_000 });
    expect(sent).toBeLessThan(total);
    child.kill('SIGCONT');
    await flood;
    expect(sent).toBe(total);
    expect(hub.peers()).toEqual(['sink']);
  });
});
