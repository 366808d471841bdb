import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, parseLogFormat, parseLogLevel } from '../../cli/log.js';
import { silentLogger } from '../../runtime/index.js';
import { eventually } from '../helpers/eventually.js';
import { startServeChild } from './serve-child.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function capture() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('serve loggers', () => {
  test('text: the level filters, fields and the error stack are written, the node tags each line', () => {
    const { lines, write } = capture();
    const log = createLogger({ level: 'info', bindings: { node: 'alpha' }, write });
    log.debug('hidden');
    log.info('started', { port: 8080, name: 'echo' });
    log.error('process crashed', { pid: 1025, error: new Error('boom') });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('[wactor alpha] info: started port=8080 name=echo\n');
    expect(lines[1]).toMatch(/^\[wactor alpha\] error: process crashed pid=1025\nError: boom\n\s+at /);
  });

  test('text: a non-Error error is shown as JSON; a value JSON cannot show falls back to its string', () => {
    const { lines, write } = capture();
    const log = createLogger({ level: 'warn', write });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    log.warn('odd', { big: 10n, loop: circular, error: { code: 'E_X', detail: 'why' } });
    expect(lines).toEqual([
      '[wactor] warn: odd big=10 loop=[object Object] error={"code":"E_X","detail":"why"}\n',
    ]);
  });

  test('json: one pino object per line with level, bindings, fields and the serialized error', () => {
    const { lines, write } = capture();
    const log = createLogger({ level: 'warn', format: 'json', bindings: { node: 'beta' }, write });
    log.info('hidden');
    log.warn('slow shard', { shard: 1 });
    log.error('process crashed', { pid: 1025, error: new TypeError('bad') });
    expect(lines).toHaveLength(2);
    const [warn, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warn).toMatchObject({ level: 40, node: 'beta', shard: 1, msg: 'slow shard' });
    expect(typeof warn!.time).toBe('number');
    expect(error).toMatchObject({
      level: 50,
      pid: 1025,
      msg: 'process crashed',
      error: { type: 'TypeError', message: 'bad', stack: expect.stringContaining('TypeError: bad') },
    });
  });

  test('silent writes nothing; bad level or format values are named with the allowed ones', () => {
    expect(createLogger({ level: 'silent', format: 'json' })).toBe(silentLogger);
    expect(parseLogLevel('debug')).toBe('debug');
    expect(() => parseLogLevel('verbose')).toThrow(
      '--log-level must be one of silent, error, warn, info, debug, got "verbose"',
    );
    expect(parseLogFormat('json')).toBe('json');
    expect(() => parseLogFormat('xml')).toThrow('--log-format must be one of text, json, got "xml"');
  });

  test("wactor serve --log-format json writes a shard's crash report as a JSON line", async () => {
    const served = await startServeChild(['--port', '0', '--shards', '1', '--log-format', 'json'], children);
    const { port } = served;
    await fetch(`http://127.0.0.1:${port}/spawn/crasher?name=boom`, { method: 'POST', body: '' });
    expect(
      (await fetch(`http://127.0.0.1:${port}/call/boom`, { method: 'POST', body: 'unreachable' })).status,
    ).toBe(502);
    const report = await eventually(() => {
      const records = served
        .err()
        .split('\n')
        .filter(Boolean)
        .map(
          (l) => JSON.parse(l) as { level: number; msg: string; shard?: number; error?: { message: string } },
        );
      const crash = records.find((r) => r.level === 50 && r.error !== undefined);
      expect(crash).toBeDefined();
      return crash!;
    });
    expect(report.error!.message).toMatch(/unreachable/);
    // Reported inside the shard's worker, relayed to the main thread's pino logger.
    expect(report.shard).toBe(0);
    expect(await served.stop()).toBe(0);
  });
});
