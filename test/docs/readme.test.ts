import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test, vi } from 'vitest';
import { eventually } from '../helpers/eventually.js';

const here = dirname(fileURLToPath(import.meta.url));

afterEach(() => {
  vi.restoreAllMocks();
});

test('the README example is the one this test runs', () => {
  const readme = readFileSync(resolve(here, '../../README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const example = readFileSync(resolve(here, 'readme-example.ts'), 'utf8');
  expect(block).toBeDefined();
  expect(example).toContain(block!.replace("from 'wactor'", "from '../../runtime/index.js'"));
});

test('the README example runs and prints the count', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const { rt } = await import('./readme-example.js');
  try {
    await eventually(() => expect(log).toHaveBeenCalledWith('count =', 1));
  } finally {
    await rt.shutdown();
  }
});
