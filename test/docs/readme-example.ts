// Generated from README.md's example by test/docs/readme.test.ts; kept in sync by that test.
import { Runtime } from '../../runtime/index.js';

const rt = new Runtime();

// A handler process: one call per message, run to completion (the fast path).
const counter = rt.spawn({
  n: 0,
  receive(msg: { op: 'inc' } | { op: 'get'; from: number }, ctx) {
    if (msg.op === 'inc') this.n++;
    else ctx.send(msg.from, this.n);
  },
});
rt.register('counter', counter);

// A receive-loop process: an async body with selective receive and timeouts.
rt.spawn(async (ctx) => {
  ctx.sendNamed('counter', { op: 'inc' });
  ctx.sendNamed('counter', { op: 'get', from: ctx.self });
  console.log('count =', await ctx.receive({ timeout: 1000 })); // count = 1
});

// Supervision: restart a crashing worker, give up after 3 restarts in 5 s.
rt.supervise({
  strategy: 'one_for_one',
  maxRestarts: 3,
  withinMs: 5000,
  children: [
    {
      id: 'worker',
      start: (rt) =>
        rt.spawn({
          receive() {
            /* … */
          },
        }),
    },
  ],
});

export { rt };
