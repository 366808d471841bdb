import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Pid } from '../../runtime/index.js';
import { eventually } from '../helpers/eventually.js';
import { quietRuntime } from '../helpers/runtime.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('runtime properties', () => {
  test('any interleaving of sends between processes keeps FIFO order per sender/receiver pair', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(3), fc.nat(3), fc.boolean()), { minLength: 1, maxLength: 200 }),
        async (plan) => {
          const rt = quietRuntime();
          // Four relays: a message [from, to, seq] sent to a relay is recorded by the receiver
          // named in it; `hop` ones go through the sender's own process first, so sends come
          // from inside handlers as well as from outside.
          const received: [number, number, number][] = [];
          const pids: Pid[] = [];
          for (let i = 0; i < 4; i++) {
            pids.push(
              rt.spawn({
                receive(msg: { from: number; to: number; seq: number; hop: boolean }, ctx) {
                  if (msg.hop) ctx.send(pids[msg.to]!, { ...msg, hop: false });
                  else received.push([msg.from, msg.to, msg.seq]);
                },
              }),
            );
          }
          const seqs = new Map<string, number>();
          for (const [from, to, hop] of plan) {
            const key = `${from}>${to}`;
            const seq = seqs.get(key) ?? 0;
            seqs.set(key, seq + 1);
            rt.send(hop ? pids[from]! : pids[to]!, { from, to, seq, hop });
          }
          await eventually(() => expect(received).toHaveLength(plan.length));
          const hopOf = new Map<string, boolean[]>();
          for (const [from, to, hop] of plan) {
            const k = `${from}>${to}`;
            hopOf.set(k, [...(hopOf.get(k) ?? []), hop]);
          }
          // Messages of one pair that took the same route must arrive in send order.
          for (const route of [true, false]) {
            const lastSeen = new Map<string, number>();
            for (const [from, to, seq] of received) {
              const k = `${from}>${to}`;
              if (hopOf.get(k)![seq] !== route) continue;
              expect(seq).toBeGreaterThan(lastSeen.get(k) ?? -1);
              lastSeen.set(k, seq);
            }
          }
          await rt.shutdown();
        },
      ),
      { numRuns: 100 },
    );
  });

  test('an idle runtime holds no handles: a program exits on its own after using it', () => {
    const entry = resolve(root, 'dist/runtime/index.js');
    expect(existsSync(entry), 'run `npm run build:ts` first').toBe(true);
    const program = `
      import { Runtime } from ${JSON.stringify(entry)};
      const rt = new Runtime();
      const pid = rt.spawn(async (ctx) => { await ctx.receive(); });
      rt.spawn({ receive() {} });
      rt.send(pid, 'go');
      setImmediate(() => console.log('alive', rt.list().length));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('alive 1');
  });
});
