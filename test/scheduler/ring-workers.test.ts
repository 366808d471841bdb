import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createDoorbells, Doorbell } from '../../scheduler/doorbell.js';
import { createRing, RingConsumer, RingProducer } from '../../scheduler/ring.js';

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.terminate();
  worker = undefined;
});

describe('ring between two real threads', () => {
  it.each([
    ['async', {}],
    ['block', { idleWait: 'block', blockMs: 50 }],
    // A 1 ms window: the worker both blocks and falls back to waitAsync during the run.
    ['hybrid', { idleWait: 'hybrid', blockMs: 1 }],
  ])(
    'echoes thousands of variable-size messages through a small ring, in order and intact (worker idles %s)',
    async (_mode, sleep) => {
      const inbound = createRing({ capacity: 1024 });
      const outbound = createRing({ capacity: 512 });
      const bells = createDoorbells(2);
      worker = new Worker(new URL('./fixtures/echo-ring-worker.mjs', import.meta.url), {
        workerData: { inbound, outbound, bells, sleep },
      });
      const tx = new RingProducer(inbound, { maxChunk: 64 });
      const rx = new RingConsumer(outbound);
      const mine = new Doorbell(bells, 0);
      const theirs = new Doorbell(bells, 1);
      const sent: Uint8Array[] = [];
      for (let i = 0; i < 3000; i++) {
        const len = i % 97 === 0 ? 3000 + i : i % 50;
        const bytes = Uint8Array.from({ length: len }, (_, j) => (i * 31 + j) & 0xff);
        sent.push(bytes);
        expect(tx.send(bytes)).not.toBe('refused');
      }
      tx.flush();
      theirs.ring();
      const got: Uint8Array[] = [];
      await new Promise<void>((resolve) => {
        const loop = () => {
          do {
            const { spaceFreed } = rx.read((b) => got.push(b));
            if (spaceFreed) theirs.ring();
            tx.flush();
            theirs.ring();
            if (got.length >= sent.length) return resolve();
          } while (mine.sleep(() => rx.hasData() || tx.canFlush(), loop));
        };
        loop();
      });
      expect(got.length).toBe(sent.length);
      for (let i = 0; i < sent.length; i++) expect(got[i]).toEqual(sent[i]);
      expect(tx.stats().queued).toBeGreaterThan(0);
    },
  );
});
