// The registry mirror this project is built against serves only the packages installable on this
// platform, so npm cannot record other platforms' optional binaries (biome, msgpackr-extract, the quinn
// binding) and `npm ci` then rejects its own lockfile ("Missing: … from lock file"). Dropping the
// optional edges that have no lock entry makes the lock self-consistent. Run after every
// `npm install <pkg>`: `node scripts/fix-lock.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const present = new Set(Object.keys(lock.packages).map((k) => k.replace(/^.*node_modules\//, '')));
let dropped = 0;
for (const [_key, entry] of Object.entries(lock.packages)) {
  if (!entry.optionalDependencies) continue;
  for (const name of Object.keys(entry.optionalDependencies)) {
    if (!present.has(name)) {
      delete entry.optionalDependencies[name];
      dropped++;
    }
  }
  if (Object.keys(entry.optionalDependencies).length === 0) delete entry.optionalDependencies;
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`dropped ${dropped} optional deps absent from the lock`);
