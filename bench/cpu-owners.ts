import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a CPU profile's time went, by owner: each service's own code (its handler and the shared
 * domain it calls, which a deployed Lambda pays too), the local cloud (simulators, engines,
 * wiring), the engines' native and WASM code, the garbage collector and idle time.
 *
 *   node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/lib/e2e-run.ts '<options>' 3>/dev/null
 *   npx tsx bench/cpu-owners.ts bench/out/<the largest>.cpuprofile [--events=100000]
 *
 * A sample belongs to the outermost frame of a service's `src/` on its stack (whatever that frame
 * called, shared code and libraries included), else to the innermost frame of the repository's own
 * code, else to its leaf. Profiles of `npm start`'s bundle (`cli.cjs`) are read through the source
 * paths esbuild writes above each module.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = new Map(
  process.argv.slice(3).map((arg) => {
    const [key = '', value = 'true'] = arg.replace(/^--/, '').split('=');
    return [key, value] as const;
  }),
);
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx bench/cpu-owners.ts <file.cpuprofile> [--events=N]\n');
  process.exit(2);
}
const events = Number(args.get('events') ?? 0);
const ROOT = path.resolve(__dirname, '..');

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

// A bundle's lines mapped to the source each came from (esbuild writes `// <path>` above a module).
const bundleSources = new Map<string, string[]>();
const sourceOfBundleLine = (url: string, line: number): string => {
  let sources = bundleSources.get(url);
  if (!sources) {
    let current = '(bundle runtime)';
    sources = readFileSync(url.replace(/^file:\/\//, ''), 'utf8')
      .split('\n')
      .map((text) => {
        const marker = /^\/\/ (\S+\.ts)$/.exec(text);
        if (marker) current = marker[1]!;
        return current;
      });
    bundleSources.set(url, sources);
  }
  return sources[line] ?? '(bundle runtime)';
};

/** The repository-relative source of a frame, or undefined for libraries and Node itself. */
const ownSource = ({ url, lineNumber }: CallFrame): string | undefined => {
  if (url.includes('/node_modules/')) {
    return url.endsWith('.cjs') && url.includes('/.cache/pipeline-local/')
      ? sourceOfBundleLine(url, lineNumber)
      : undefined;
  }
  const file = url.replace(/^file:\/\//, '');
  if (!path.isAbsolute(file)) return undefined;
  const relative = path.relative(ROOT, file);
  return relative.startsWith('..') ? undefined : relative;
};

const serviceOf = (source: string) => /^services\/([^/]+)\/src\//.exec(source)?.[1];

/** The kind of owner (the first word) and the owner. */
const ownerOf = (leaf: number): [kind: string, owner: string] => {
  const frames: CallFrame[] = [];
  for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id))
    frames.push(byId.get(id)!.callFrame);
  const sources = frames.map(ownSource);
  for (let index = frames.length - 1; index >= 0; index -= 1) {
    const service = sources[index] && serviceOf(sources[index]!);
    if (service) return ['service', service];
  }
  const own = sources.find((source) => source !== undefined);
  if (own) return ['local-cloud', own.split('/').slice(0, 3).join('/')];
  const { functionName, url } = frames[0]!;
  if (url.startsWith('wasm://') || functionName.startsWith('wasm-function'))
    return ['engines', 'WASM (PGlite)'];
  const library = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (library) return ['libraries', library];
  if (functionName.startsWith('(')) return [functionName, functionName];
  return ['node', url || functionName || '(native)'];
};

const totals = new Map<string, number>();
const kinds = new Map<string, number>();
let all = 0;
profile.samples.forEach((leaf, index) => {
  const micros = profile.timeDeltas[index + 1] ?? 0;
  all += micros;
  const [kind, owner] = ownerOf(leaf);
  const name = kind === owner ? kind : `${kind} ${owner}`;
  totals.set(name, (totals.get(name) ?? 0) + micros);
  kinds.set(kind, (kinds.get(kind) ?? 0) + micros);
});

const line = (name: string, micros: number) =>
  `${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / all).toFixed(1).padStart(5)}%` +
  (events > 0 ? `${(micros / events).toFixed(1).padStart(8)} µs/event` : '') +
  `  ${name}`;
const top = (entries: Map<string, number>, count: number) =>
  [...entries]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => line(name, micros));
process.stdout.write(
  [
    line('the whole profile', all),
    '',
    'by kind:',
    ...top(kinds, kinds.size),
    '',
    'by owner:',
    ...top(totals, 30),
    '',
  ].join('\n'),
);
