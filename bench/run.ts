/**
 * The benchmark runner: `npm run bench -- <scenario…|all> [--seconds N] [--json] [--out DIR]
 * [--set key=value]… [--list]` (compiled to dist/bench/run.js). Scenarios are discovered in
 * dist/bench/scenarios/; see docs/benchmarks.md.
 */
import { runCli } from './harness/cli.js';

process.exitCode = await runCli(process.argv.slice(2));

// A scenario that leaks a handle (a timer, a worker) must not leave the runner hanging on a shared
// machine. This timer is unref'd, so it only fires if something else still holds the event loop.
setTimeout(() => {
  process.stderr.write('warning: a scenario left handles open; exiting anyway\n');
  process.exit();
}, 2_000).unref();
