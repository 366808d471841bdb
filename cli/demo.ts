import { formatPid as f, type Logger, type Pid, Runtime } from '../runtime/index.js';

/**
 * `wactor demo`: a short, self-contained tour of the actor core that prints what the actors do
 * — ping-pong, a registered counter, a supervised worker that crashes and is restarted, and a
 * monitor seeing it — then shuts the runtime down.
 */
export async function runDemo(out: (line: string) => void = console.log): Promise<void> {
  const logger: Logger = {
    error: (message, data) =>
      out(`  [crash report] ${message}: ${String((data?.error as Error)?.message ?? '')}`),
    warn: (message) => out(`  [warn] ${message}`),
    info() {},
    debug() {},
  };
  const rt = new Runtime({ logger });

  out('1. ping-pong between two handler processes');
  const done = new Promise<void>((resolve) => {
    const pong = rt.spawn(
      {
        receive(msg: { from: Pid; n: number }, ctx) {
          ctx.send(msg.from, { from: ctx.self, n: msg.n + 1 });
        },
      },
      { label: 'pong' },
    );
    rt.spawn(
      async (ctx) => {
        ctx.send(pong, { from: ctx.self, n: 0 });
        for (;;) {
          const msg = await ctx.receive<{ n: number }>();
          if (msg.n >= 6) break;
          out(`   ping ${f(ctx.self)} got ${msg.n}, sending ${msg.n + 1}`);
          ctx.send(pong, { from: ctx.self, n: msg.n + 1 });
        }
        out(`   ping ${f(ctx.self)} is done`);
        resolve();
      },
      { label: 'ping' },
    );
  });
  await done;

  out('2. a registered counter');
  const counter = rt.spawn({
    n: 0,
    receive(msg: { op: 'inc' } | { op: 'get'; from: Pid }, ctx) {
      if (msg.op === 'inc') this.n++;
      else ctx.send(msg.from, this.n);
    },
  });
  rt.register('counter', counter);
  await new Promise<void>((resolve) => {
    rt.spawn(async (ctx) => {
      for (let i = 0; i < 3; i++) ctx.sendNamed('counter', { op: 'inc' });
      ctx.sendNamed('counter', { op: 'get', from: ctx.self });
      out(`   counter says ${await ctx.receive()}`);
      resolve();
    });
  });

  out('3. a supervised worker crashes and is restarted (one_for_one)');
  let generation = 0;
  const sup = rt.supervise({
    strategy: 'one_for_one',
    maxRestarts: 3,
    withinMs: 1000,
    children: [
      {
        id: 'worker',
        start: (r) => {
          generation++;
          const pid = r.spawn(
            {
              receive(msg: string) {
                if (msg === 'crash') throw new Error('worker asked to crash');
              },
            },
            { label: `worker#${generation}` },
          );
          out(`   supervisor started worker ${f(pid)} (generation ${generation})`);
          return pid;
        },
      },
    ],
  });
  const first = rt.info(sup)!.links[0]!;
  await new Promise<void>((resolve) => {
    rt.spawn(async (ctx) => {
      ctx.monitor(first);
      ctx.send(first, 'crash');
      const down = await ctx.receive<{ reason: string; pid: Pid }>();
      out(`   monitor saw ${f(down.pid)} go down: ${down.reason}`);
      resolve();
    });
  });
  await new Promise((r) => setImmediate(r));
  out(`   live processes now: ${rt.list().length} (supervisor, restarted worker, counter, pong)`);

  const stopped = await rt.shutdown();
  out(`4. shutdown stopped ${stopped} processes`);
}
