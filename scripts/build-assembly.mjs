// Builds every AssemblyScript guest in assembly/actors/ to assembly/build/<name>.wasm with the
// `assemblyscript` devDependency's compiler (run by `npm run build:as`; `npm install` runs it
// through `prepare`, `npm test` through `build`). Options come from assembly/asconfig.json.
//
// A guest whose source has the line `// @wactor runtime=minimal` is built with AssemblyScript's
// `minimal` runtime and `--exportRuntime`: no shadow stack (guest calls ~2x cheaper), and the
// host runs its collector between calls (it exports `__collect`; see docs/guests.md). Others use
// asconfig.json's `incremental` runtime, which collects by itself.
//
// A guest is rebuilt only when it, anything in assembly/sdk/, asconfig.json or this script is
// newer than its .wasm, so repeated `npm test` runs stay fast. `--force` rebuilds everything;
// names after the flags build only those guests (`node scripts/build-assembly.mjs echo counter`).
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assemblyDir = join(root, 'assembly');
const actorsDir = join(assemblyDir, 'actors');
const sdkDir = join(assemblyDir, 'sdk');
const outDir = join(assemblyDir, 'build');
const config = join(assemblyDir, 'asconfig.json');

const args = process.argv.slice(2);
const force = args.includes('--force');
const only = args.filter((a) => !a.startsWith('--'));

async function mtime(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

async function newestInput() {
  let newest = Math.max(await mtime(config), await mtime(fileURLToPath(import.meta.url)));
  for (const f of await readdir(sdkDir)) newest = Math.max(newest, await mtime(join(sdkDir, f)));
  return newest;
}

async function main() {
  let asc;
  try {
    asc = (await import('assemblyscript/asc')).default;
  } catch (err) {
    console.error('build:as: cannot load the AssemblyScript compiler (is the devDependency installed?)');
    throw err;
  }
  await mkdir(outDir, { recursive: true });
  const shared = await newestInput();
  const entries = (await readdir(actorsDir)).filter((f) => f.endsWith('.ts')).sort();
  const names = entries.map((f) => f.slice(0, -3));
  for (const name of only) {
    if (!names.includes(name)) throw new Error(`build:as: no guest named ${name} in assembly/actors/`);
  }
  let built = 0;
  for (const name of names) {
    if (only.length > 0 && !only.includes(name)) continue;
    const src = join(actorsDir, `${name}.ts`);
    const out = join(outDir, `${name}.wasm`);
    const outTime = await mtime(out);
    if (!force && outTime > 0 && outTime >= shared && outTime >= (await mtime(src))) continue;
    const started = performance.now();
    const source = await readFile(src, 'utf8');
    const runtime = /^\/\/ @wactor runtime=minimal\s*$/m.test(source)
      ? ['--runtime', 'minimal', '--exportRuntime']
      : [];
    const { error } = await asc.main(
      [relative(root, src), '--config', relative(root, config), ...runtime, '-o', relative(root, out)],
      { stdout: process.stdout, stderr: process.stderr },
    );
    if (error) {
      throw new Error(`build:as: compiling ${relative(root, src)} failed: ${error.message}`);
    }
    built++;
    const note = runtime.length > 0 ? ', minimal runtime' : '';
    console.log(`build:as: ${relative(root, out)} (${Math.round(performance.now() - started)} ms${note})`);
  }
  console.log(`build:as: ${built} guest(s) built, ${names.length - built} up to date`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
