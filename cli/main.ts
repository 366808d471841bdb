#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';

const USAGE = `usage: wactor <command> [options]

commands:
  serve       load .wasm actors, start services, answer HTTP (see wactor serve --help)
  demo        run a short tour of the actor core and print what the actors do
  bench       run benchmarks: wactor bench <scenario…|all> [--seconds N] [--json] [--list]
  cert        create cluster identities: wactor cert shared|ca|issue NAME … (see wactor cert --help)
  attach      list the processes of a running node: wactor attach HOST:PORT --cert F --key F [--ca F]
  help        show this help
`;

/** A subcommand with its own usage text, loaded on demand (serve pulls in the whole node). */
interface Subcommand {
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

const SUBCOMMANDS: Readonly<Record<string, () => Promise<Subcommand>>> = {
  serve: async () => {
    const m = await import('./serve.js');
    return { usage: m.SERVE_USAGE, run: (a) => m.runServe(a) };
  },
  cert: async () => {
    const m = await import('./cert.js');
    return { usage: m.CERT_USAGE, run: (a) => m.runCert(a) };
  },
  attach: async () => {
    const m = await import('./attach.js');
    return { usage: m.ATTACH_USAGE, run: (a) => m.runAttach(a) };
  },
};

/** The `wactor` command. Thin: parses, composes, calls. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const command = positionals[0] ?? 'help';
  const rest = argv.slice(argv.indexOf(command) + 1);
  const load = Object.hasOwn(SUBCOMMANDS, command) ? SUBCOMMANDS[command] : undefined;
  if (load !== undefined) {
    const sub = await load();
    if (argv.includes('--help')) {
      process.stdout.write(sub.usage);
      return 0;
    }
    return sub.run(rest);
  }
  switch (command) {
    case 'demo':
      await runDemo();
      return 0;
    case 'bench': {
      // Loaded on demand: the benchmark harness pulls in baselines (xstate) a node never needs.
      const { runCli } = await import('../bench/harness/cli.js');
      return runCli(rest);
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
    // Bad input (our InvalidArgumentError, or node:util parseArgs' ERR_PARSE_ARGS_*) is the
    // user's to fix: say what is wrong and exit 2. Anything else is a failure with its stack.
    const code = (err as { code?: unknown })?.code;
    const usage =
      code === 'WACTOR_ERR_INVALID_ARGUMENT' ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    if (usage) process.stderr.write(`wactor: ${(err as Error).message}\n`);
    else process.stderr.write(`wactor: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
