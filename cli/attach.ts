import { parseArgs } from 'node:util';
import { ClusterNode } from '../cluster/index.js';
import { formatPid, InvalidArgumentError, Runtime, silentLogger } from '../runtime/index.js';
import { loadIdentity } from './cert.js';

export const ATTACH_USAGE = `usage: wactor attach HOST:PORT --cert FILE --key FILE [--ca FILE] [--name NAME] [--transport tls|quic]
  Connects to a running node as a temporary cluster member and prints the processes alive there
  (pid, label, status, mailbox depth, messages handled, names). With a CA identity the name is
  the certificate's; with a shared identity it defaults to attach-<os pid>.
`;

/** Parse `host:port` (IPv6 as `[::1]:4000`). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) {
    throw new InvalidArgumentError(
      `attach: the target must be HOST:PORT with a port in 1..65535, got ${JSON.stringify(text)}`,
    );
  }
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * `wactor attach`: live attach — join the target's cluster for a moment, list what runs there,
 * leave. Returns the exit code.
 *
 * @example
 * await runAttach(['127.0.0.1:4369', '--cert', 'certs/cluster.cert.pem', '--key', 'certs/cluster.key.pem']);
 */
export async function runAttach(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      name: { type: 'string' },
      transport: { type: 'string', default: 'tls' },
    },
  });
  if (positionals[0] === undefined)
    throw new InvalidArgumentError(`attach: a HOST:PORT is required\n${ATTACH_USAGE}`);
  const target = parseHostPort(positionals[0]);
  if (values.cert === undefined || values.key === undefined) {
    throw new InvalidArgumentError(`attach: --cert and --key are required\n${ATTACH_USAGE}`);
  }
  if (values.transport !== 'tls' && values.transport !== 'quic') {
    throw new InvalidArgumentError(
      `attach: --transport must be 'tls' or 'quic', got ${JSON.stringify(values.transport)}`,
    );
  }
  const identity = await loadIdentity({ cert: values.cert, key: values.key, ca: values.ca });
  const name = identity.mode === 'ca' ? identity.name : (values.name ?? `attach-${process.pid}`);
  const runtime = new Runtime({ logger: silentLogger });
  const node = await ClusterNode.start({
    name,
    runtime,
    identity,
    port: 0,
    transport: values.transport,
    logger: silentLogger,
  });
  try {
    const remote = await node.connect(target.host, target.port);
    const pids = await node.remotePids(remote.name);
    out(`node ${remote.name} at ${target.host}:${target.port}: ${pids.length} processes`);
    out(['pid', 'label', 'status', 'mailbox', 'handled', 'names'].join('\t'));
    for (const pid of pids) {
      const info = await node.remoteInfo(remote.name, pid);
      if (info === undefined) continue; // ended between the listing and the query
      out(
        [
          formatPid(pid),
          info.label ?? '-',
          info.status,
          info.mailboxDepth,
          info.messagesHandled,
          info.names.join(',') || '-',
        ].join('\t'),
      );
    }
    return 0;
  } finally {
    await node.close();
    await runtime.shutdown();
  }
}
