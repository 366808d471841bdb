import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { shardOf } from '../../runtime/pid.js';
import type { Pid } from '../../runtime/types.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { exampleGuestPath } from '../../wasm-actors/examples.js';
import { eventually } from '../helpers/eventually.js';
import { forwardedBytes, readyAgent } from './helpers.js';

let s: Scheduler | undefined;
afterEach(async () => {
  await s?.destroy();
  s = undefined;
});

/**
 * A message for the echo guest: it forwards plain bytes to the pid in their first 8 bytes, with
 * the host's `send` — which, to another shard, is `ShardHostNode.sendCopy` (guest memory straight
 * into the ring). After the pid: the sequence number, then `size - 12` bytes derived from it.
 */
function forwardee(to: Pid, seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setFloat64(0, to, true);
  view.setUint32(8, seq, true);
  for (let i = 12; i < size; i++) bytes[i] = (seq * 31 + i) & 0xff;
  return bytes;
}

describe('guest bytes to another shard (sendCopy)', () => {
  it('a Wasm guest on shard 0 sends to a pid on shard 1: every message arrives intact and in order, large ones and a full ring included', async () => {
    // A small ring (4 KiB, records of at most 1 KiB) so the burst below fills it (the sender
    // queues behind it) and the large messages are chunked.
    const sched = new Scheduler({ shards: 2, ringBytes: 4096, logger: silentLogger });
    s = sched;
    const { c, agent: sink } = await readyAgent(sched, 1);
    const echo = sched.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 0 } });
    expect(shardOf(echo)).not.toBe(shardOf(sink));
    const sent: Uint8Array[] = [];
    for (let seq = 0; seq < 400; seq++) {
      // Mostly small (the pid-record path), every 50th larger than a ring record (the copy-out
      // path, chunked), one larger than the whole ring.
      const size = seq === 201 ? 10_000 : seq % 50 === 25 ? 3000 : 12 + ((seq * 7) % 90);
      const msg = forwardee(sink, seq, size);
      sent.push(msg.slice());
      expect(sched.send(echo, msg)).toBe(true);
    }
    await eventually(() => expect(forwardedBytes(c.inbox).length).toBe(sent.length));
    const received = forwardedBytes(c.inbox);
    for (let i = 0; i < sent.length; i++) expect(received[i]).toEqual(sent[i]);
  });

  it('a Wasm guest sending to a pid on its own shard still delivers a copy', async () => {
    const sched = new Scheduler({ shards: 2, logger: silentLogger });
    s = sched;
    const { c, agent: sink } = await readyAgent(sched, 0);
    const echo = sched.spawn({ wasm: exampleGuestPath('echo') }, { placement: { shard: 0 } });
    const msgs = [forwardee(sink, 1, 20), forwardee(sink, 2, 500)];
    for (const m of msgs) sched.send(echo, m.slice());
    await eventually(() => expect(forwardedBytes(c.inbox)).toEqual(msgs));
  });

  it('sendCopy to a dead shard or a non-pid answers false / throws like send; a bad range throws', () => {
    const sched = new Scheduler({ shards: 1, logger: silentLogger });
    s = sched;
    const src = new Uint8Array(16);
    // A pid on a slot no shard runs (slot 900).
    expect(sched.sendCopy(5 * 1024 + 900, src, 0, 8)).toBe(false);
    expect(() => sched.sendCopy('x' as unknown as Pid, src, 0, 8)).toThrow(/pid/);
    // A range outside `src` is refused, naming the rule (it would otherwise send zero bytes).
    const [slot] = sched.slots();
    const onShard = 7 * 1024 + (slot as number);
    expect(() => sched.sendCopy(onShard, src, 4, 20)).toThrow(
      'sendCopy: start and end must satisfy 0 <= start <= end <= src.length (16), got 4 and 20',
    );
    expect(() => sched.sendCopy(onShard, src, 9, 8)).toThrow(/0 <= start <= end/);
  });
});
