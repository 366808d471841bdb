import { expectTypeOf, test } from 'vitest';
import type { Context, Pid } from '../../runtime/index.js';
import { quietRuntime } from '../helpers/runtime.js';

test('a handler object may carry its own state, typed as `this`, and ctx is typed', async () => {
  const rt = quietRuntime();
  const pid = rt.spawn({
    count: 0,
    receive(msg: { from: Pid }, ctx) {
      expectTypeOf(ctx).toEqualTypeOf<Context>();
      this.count++;
      ctx.send(msg.from, this.count);
    },
  });
  expectTypeOf(pid).toEqualTypeOf<Pid>();
  rt.spawn(async (ctx) => {
    expectTypeOf(ctx).toEqualTypeOf<Context>();
    expectTypeOf(await ctx.receive<string>()).toEqualTypeOf<string>();
  });
  // @ts-expect-error a behaviour needs receive()
  expectTypeOf(() => rt.spawn({ count: 0 })).toBeFunction();
  await rt.shutdown();
});
