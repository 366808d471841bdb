/**
 * `wactor serve --config FILE`: the same settings as the command-line flags, in a JSON file,
 * validated with zod at the boundary. Every problem is reported at once, each naming its key and
 * the rule; unknown keys are errors (a typo must not be ignored silently). Relative paths in the
 * file (modules, cert, key, ca) are resolved against the file's own directory, so a config works
 * from any working directory. Flags given on the command line win over the file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { InvalidArgumentError } from '../runtime/index.js';
import { MAX_CALL_TIMEOUT_MS } from './call.js';
import { LOG_FORMATS, LOG_LEVELS } from './log.js';

/** A `--service` spec, `NAME=MODULE[:ARGS]` (groups: name, module, args); serve.ts parses with it. */
export const SERVICE_SPEC = /^([^=]+)=([^:]+)(?::(.*))?$/;

/** An integer in `[min, max]`; every failure (type, bounds) reads as the one rule. */
const intIn = (min: number, max: number, rule: string) =>
  z.int({ error: rule }).min(min, rule).max(max, rule);
const port = intIn(0, 65535, 'must be an integer port in 0..65535');
const nonEmpty = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a non-empty string') })
  .min(1, 'must be a non-empty string');

const clusterSchema = z.strictObject({
  port,
  name: nonEmpty.optional(),
  seeds: z.array(z.string().regex(/^.+:\d+$/, 'must be HOST:PORT')).optional(),
  cert: nonEmpty,
  key: nonEmpty,
  ca: nonEmpty.optional(),
  transport: z.enum(['tls', 'quic'], { error: "must be 'tls' or 'quic'" }).optional(),
});

const configSchema = z.strictObject({
  host: nonEmpty.optional(),
  port: port.optional(),
  modules: nonEmpty.optional(),
  services: z.array(z.string().regex(SERVICE_SPEC, 'must be NAME=MODULE[:ARGS]')).optional(),
  shards: intIn(0, 256, 'must be an integer in 0..256').optional(),
  callTimeoutMs: intIn(
    0,
    MAX_CALL_TIMEOUT_MS,
    `must be an integer number of ms in 0..${MAX_CALL_TIMEOUT_MS}`,
  ).optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  logFormat: z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(', ')}` }).optional(),
  cluster: clusterSchema.optional(),
});

/** The settings a config file may hold (paths already resolved against the file). */
export type ServeConfig = z.infer<typeof configSchema>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.length === 0 ? '(top level)' : issue.path.join('.');
  return issue.code === 'unrecognized_keys'
    ? `${at}: unknown key(s) ${issue.keys.join(', ')}`
    : `${at}: ${issue.message}`;
}

/**
 * Check parsed JSON against the config rules; throws one InvalidArgumentError listing every
 * problem, each with its key path.
 *
 * @example
 * parseServeConfig({ port: 8080, cluster: { port: 9000, cert: 'node.crt', key: 'node.key' } }, 'wactor.json');
 */
export function parseServeConfig(value: unknown, source: string, baseDir = '.'): ServeConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${describeIssue(i)}`);
    throw new InvalidArgumentError(`serve: config ${source} is not valid:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const at = (p: string): string => resolve(baseDir, p);
  return {
    ...c,
    ...(c.modules === undefined ? {} : { modules: at(c.modules) }),
    ...(c.cluster === undefined
      ? {}
      : {
          cluster: {
            ...c.cluster,
            cert: at(c.cluster.cert),
            key: at(c.cluster.key),
            ...(c.cluster.ca === undefined ? {} : { ca: at(c.cluster.ca) }),
          },
        }),
  };
}

/**
 * Read and check a JSON config file (see {@link parseServeConfig}).
 *
 * @example
 * const config = await loadServeConfig('/etc/wactor/serve.json');
 */
export async function loadServeConfig(file: string): Promise<ServeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`serve: cannot read the config ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`serve: config ${file} is not JSON: ${(err as Error).message}`);
  }
  return parseServeConfig(value, file, dirname(resolve(file)));
}
