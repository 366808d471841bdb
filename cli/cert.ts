import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ClusterCa, Identity } from '../cluster/index.js';
import { InvalidArgumentError } from '../runtime/index.js';

export const CERT_USAGE = `usage: wactor cert shared --out DIR            a pre-shared cluster identity (every node uses it)
       wactor cert ca --out DIR                a cluster CA
       wactor cert issue NAME --ca DIR --out DIR
                                               a node identity for NAME signed by the CA in DIR
options:
  --force    overwrite existing files
files: shared → cluster.cert.pem, cluster.key.pem; ca → ca.cert.pem, ca.key.pem;
       issue → NAME.cert.pem, NAME.key.pem, ca.cert.pem. Keys are written with mode 0600.
`;

/** The file's text, or undefined if there is none. */
async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Write PEM files, refusing to clobber unless `force` (a file that already holds exactly the same
 * text — the CA certificate copied next to an issued identity — is left as it is); private keys
 * get mode 0600.
 */
async function writePems(dir: string, files: Record<string, string>, force: boolean): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const toWrite: [string, string][] = [];
  for (const [name, pem] of Object.entries(files)) {
    const path = join(dir, name);
    const current = await readIfExists(path);
    if (current === pem) continue;
    if (current !== undefined && !force) {
      throw new InvalidArgumentError(`${path} already exists (use --force to overwrite)`);
    }
    toWrite.push([path, pem]);
  }
  for (const [path, pem] of toWrite) {
    await writeFile(path, pem, { mode: path.endsWith('.key.pem') ? 0o600 : 0o644 });
  }
  return toWrite.map(([path]) => path);
}

/**
 * `wactor cert …`: create cluster identities as PEM files that `Identity.fromPem` loads.
 * Returns the exit code.
 *
 * @example
 * await runCert(['issue', 'alpha', '--ca', 'certs', '--out', 'certs']);
 */
export async function runCert(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, ca: { type: 'string' }, force: { type: 'boolean', default: false } },
  });
  const [kind, name] = positionals;
  const dir = values.out;
  if (dir === undefined) throw new InvalidArgumentError(`cert: --out DIR is required\n${CERT_USAGE}`);
  let written: string[];
  if (kind === 'shared') {
    const pem = (await Identity.generate()).toPem();
    written = await writePems(
      dir,
      { 'cluster.cert.pem': pem.cert, 'cluster.key.pem': pem.key },
      values.force,
    );
  } else if (kind === 'ca') {
    const pem = (await ClusterCa.generate()).toPem();
    written = await writePems(dir, { 'ca.cert.pem': pem.cert, 'ca.key.pem': pem.key }, values.force);
  } else if (kind === 'issue') {
    if (name === undefined)
      throw new InvalidArgumentError(`cert issue: a node NAME is required\n${CERT_USAGE}`);
    if (values.ca === undefined)
      throw new InvalidArgumentError(`cert issue: --ca DIR (holding ca.cert.pem and ca.key.pem) is required`);
    const ca = await ClusterCa.fromPem({
      cert: await readFile(join(values.ca, 'ca.cert.pem'), 'utf8'),
      key: await readFile(join(values.ca, 'ca.key.pem'), 'utf8'),
    });
    const pem = (await ca.issue(name)).toPem();
    written = await writePems(
      dir,
      { [`${name}.cert.pem`]: pem.cert, [`${name}.key.pem`]: pem.key, 'ca.cert.pem': pem.ca! },
      values.force,
    );
  } else {
    throw new InvalidArgumentError(
      `cert: the kind must be 'shared', 'ca' or 'issue', got ${JSON.stringify(kind)}\n${CERT_USAGE}`,
    );
  }
  for (const path of written) out(`wrote ${path}`);
  return 0;
}

/**
 * Load an identity from PEM files: `--cert`, `--key` and, for a CA-issued identity, `--ca`.
 */
export async function loadIdentity(files: {
  cert: string;
  key: string;
  ca?: string | undefined;
}): Promise<Identity> {
  const cert = await readFile(files.cert, 'utf8');
  const key = await readFile(files.key, 'utf8');
  return files.ca === undefined
    ? Identity.fromPem({ cert, key })
    : Identity.fromPem({ cert, key, ca: await readFile(files.ca, 'utf8') });
}
