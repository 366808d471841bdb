/**
 * Errors of the benchmark harness. Each has a literal `code` (`WACTOR_ERR_BENCH_*`) and extends
 * {@link WactorError}; the runner turns the usage errors into exit code 2 with the message.
 */
import { WactorError } from '../../runtime/index.js';

/**
 * The command line names a scenario that was not discovered; the message lists the known ones.
 *
 * @example
 * try { selectScenarios(['pingpnog'], found); } catch (err) {
 *   if (err instanceof UnknownScenarioError) console.error(err.message, err.known);
 * }
 */
export class UnknownScenarioError extends WactorError {
  readonly scenario: string;
  readonly known: readonly string[];
  constructor(scenario: string, known: readonly string[]) {
    const list = known.length > 0 ? known.join(', ') : '(none found)';
    super(
      'WACTOR_ERR_BENCH_UNKNOWN_SCENARIO',
      `unknown scenario "${scenario}": known scenarios are ${list}, or "all"`,
    );
    this.scenario = scenario;
    this.known = known;
  }
}

/**
 * A bad command-line flag or value (`--seconds`, `--set`, an unknown option); the message names
 * the flag and the rule.
 *
 * @example
 * new BenchArgumentError('--seconds must be a positive number, got "0"');
 */
export class BenchArgumentError extends WactorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_BENCH_ARGUMENT', message, options);
  }
}

/**
 * A file in the scenarios directory could not be imported or does not export a valid `scenario`.
 *
 * @example
 * for (const failure of discovered.failures) console.error(failure.message);
 */
export class ScenarioLoadError extends WactorError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('WACTOR_ERR_BENCH_SCENARIO_LOAD', `cannot load scenario file ${file}: ${reason}`, options);
    this.file = file;
  }
}

/**
 * A measured batch did not finish within its bound (a lost message or a hung scenario); raised
 * instead of hanging the runner forever.
 *
 * @example
 * await measureThroughput(batch, { seconds: 1, batchTimeoutMs: 5_000 }); // rejects with BenchTimeoutError
 */
export class BenchTimeoutError extends WactorError {
  constructor(message: string) {
    super('WACTOR_ERR_BENCH_TIMEOUT', message);
  }
}
