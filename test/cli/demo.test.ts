import { expect, test } from 'vitest';
import { runDemo } from '../../cli/demo.js';

test('the demo shows ping-pong, the counter, a restart seen by a monitor, and a clean shutdown', async () => {
  const lines: string[] = [];
  await runDemo((line) => lines.push(line));
  const text = lines.join('\n');
  expect(text).toMatch(/ping <0\.\d+> got 5, sending 6/);
  expect(text).toContain('counter says 3');
  expect(text).toMatch(/supervisor started worker <0\.\d+> \(generation 2\)/);
  expect(text).toMatch(/monitor saw <0\.\d+> go down: crashed/);
  expect(text).toContain('live processes now: 4');
  expect(lines.at(-1)).toBe('4. shutdown stopped 4 processes');
});
