// Fails when two versions of any @aws-sdk/* package are installed: drifting SDK versions break
// aws-sdk-client-mock typing and bloat bundles. The lockfile is the source of truth.
import { readFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const versions = new Map();
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  const match = path.match(/node_modules\/(@aws-sdk\/[^/]+)$/);
  if (!match || !entry.version) continue;
  const name = match[1];
  versions.set(name, new Set([...(versions.get(name) ?? []), entry.version]));
}
const drifted = [...versions].filter(([, found]) => found.size > 1);
for (const [name, found] of drifted)
  console.error(`${name} is installed in several versions: ${[...found].join(', ')}`);
if (drifted.length > 0) process.exit(1);
console.log(`one version of each of ${versions.size} @aws-sdk/* packages`);
