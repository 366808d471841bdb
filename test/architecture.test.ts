import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUR_FOLDERS = ['runtime', 'wasm-actors', 'assembly', 'scheduler', 'cluster', 'cli', 'bench', 'test'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports, statically or dynamically, or re-exports from. */
function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})\s*(?:as\s+\w+\s+)?from\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew\s+URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) specs.push(m[1]!);
  return specs;
}

/** Which of our top-level folders (or which package) a specifier in `file` points at. */
function target(file: string, spec: string): string {
  if (spec.startsWith('.')) {
    const abs = resolve(dirname(file), spec);
    const top = relative(root, abs).split(/[\\/]/)[0]!;
    return OUR_FOLDERS.includes(top) ? top : `(file ${top})`;
  }
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
}

function violations(folder: string, forbidden: (target: string) => boolean): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(root, folder))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const t = target(file, spec);
      if (t !== folder && forbidden(t)) found.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return found;
}

describe('dependency rules', () => {
  test('the import scanner sees static, type, re-export and dynamic imports', () => {
    const src = `import { a } from './x.js';\nimport type { B } from "../scheduler/y.js";\nexport * from '../cluster/z.js';\nconst m = await import('piscina');\nimport 'side-effect';`;
    expect(importsOf(src)).toEqual([
      './x.js',
      '../scheduler/y.js',
      'side-effect',
      '../cluster/z.js',
      'piscina',
    ]);
  });

  test('runtime/ imports no other folder of ours', () => {
    expect(violations('runtime', (t) => OUR_FOLDERS.includes(t))).toEqual([]);
  });

  test('cluster/ is Wasm-free: no wasm-actors, scheduler, assembly, AssemblyScript or piscina', () => {
    const banned = new Set([
      'wasm-actors',
      'scheduler',
      'assembly',
      'cli',
      'bench',
      'assemblyscript',
      '@assemblyscript/loader',
      'piscina',
    ]);
    expect(violations('cluster', (t) => banned.has(t) || t.startsWith('@assemblyscript/'))).toEqual([]);
  });

  test('library folders never import the CLI, the benchmarks or the tests', () => {
    for (const folder of ['runtime', 'wasm-actors', 'scheduler', 'cluster']) {
      expect(violations(folder, (t) => t === 'cli' || t === 'bench' || t === 'test')).toEqual([]);
    }
  });
});
