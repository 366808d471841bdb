import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', 'cluster');
const FORBIDDEN = [/^assemblyscript/, /^@assemblyscript\//, /^piscina/];
const ALLOWED_OURS = /^\.\.\/runtime\//;

function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

describe('the Wasm-free invariant', () => {
  it('cluster/ imports only runtime/ of ours and no Wasm or worker-pool packages', () => {
    const files = readdirSync(root).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(2);
    const bad: string[] = [];
    for (const f of files) {
      for (const spec of specifiers(readFileSync(join(root, f), 'utf8'))) {
        if (spec.startsWith('./')) continue;
        if (spec.startsWith('../') && !ALLOWED_OURS.test(spec)) bad.push(`${f}: ${spec}`);
        if (FORBIDDEN.some((re) => re.test(spec))) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
