#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';

const USAGE = `usage: wactor <command> [options]

commands:
  demo        run a short tour of the actor core and print what the actors do
  bench       run benchmarks: wactor bench <scenario…|all> [--seconds N] [--json] [--list]
  help        show this help
`;

/** The `wactor` command. Thin: parses, composes, calls. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'help';
  switch (command) {
    case 'demo':
      await runDemo();
      return 0;
    case 'bench': {
      // Loaded on demand: the benchmark harness pulls in baselines (xstate) a node never needs.
      const { runCli } = await import('../bench/harness/cli.js');
      return runCli(argv.slice(argv.indexOf('bench') + 1));
    }
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`wactor: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wactor: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
