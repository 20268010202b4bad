/**
 * `npm start`: runs local/src/cli.ts from a bundle of the repository's own TypeScript (local/,
 * shared/, the services), built with esbuild into node_modules/.cache/pipeline-local/cli/ and
 * rebuilt whenever one of its sources changes. Loading the sources through tsx (a loader thread,
 * a transform and a resolution per file) was most of a run's start-up. Dependencies stay external:
 * Node loads them from node_modules as before.
 *
 * CommonJS: a tool-free entry point that plain `node` runs.
 */
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'local', 'src', 'cli.ts');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'pipeline-local', 'cli');
const BUNDLE = path.join(CACHE_DIR, 'cli.cjs');
const STAMP = path.join(CACHE_DIR, 'inputs.json');

/** What a bundle was built from, besides its inputs: this file and the installed dependencies. */
const BUILD_FILES = [__filename, path.join(ROOT, 'package-lock.json')];

/** A file's size and modification time, or undefined when it is gone. */
const signature = (file) => {
  try {
    const stats = statSync(file);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return undefined;
  }
};

/** Whether the stamp's files (paths relative to `root`) are all unchanged. */
const isFresh = (stamp, root = ROOT) =>
  stamp !== undefined &&
  Object.keys(stamp).length > 0 &&
  Object.entries(stamp).every(([file, recorded]) => signature(path.join(root, file)) === recorded);

const readStamp = () => {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return undefined;
  }
};

/**
 * esbuild turns `__dirname` into the bundle's folder; the sources use it to find files beside
 * them (the report SQL, the stage configs, `.local/`), so each file gets its own folder instead.
 */
const ownDirname = (fs) => ({
  name: 'own-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
      const text = await fs.promises.readFile(file, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(text)) return undefined;
      return {
        loader: 'ts',
        contents: text
          .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(file)))
          .replace(/\b__filename\b/g, JSON.stringify(file)),
      };
    });
  },
});

/** Bundles the workspace packages (`@pipeline/*`) and relative imports; leaves the rest to Node. */
const workspaceOnly = {
  name: 'workspace-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path: specifier }) =>
      specifier.startsWith('@pipeline/') ? undefined : { external: true },
    );
  },
};

const build = async () => {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    outfile: BUNDLE,
    sourcemap: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [ownDirname(require('node:fs')), workspaceOnly],
  });
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written beside and renamed into place: a concurrent run reads a whole bundle or none.
  for (const { path: file, contents } of result.outputFiles) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, contents);
    renameSync(partial, file);
  }
  const inputs = [
    ...Object.keys(result.metafile.inputs).map((file) => path.join(ROOT, file)),
    ...BUILD_FILES,
  ];
  const stamp = Object.fromEntries(inputs.map((file) => [path.relative(ROOT, file), signature(file)]));
  const partial = `${STAMP}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(stamp));
  renameSync(partial, STAMP);
};

const main = async () => {
  if (!isFresh(readStamp())) await build();
  process.setSourceMapsEnabled(true);
  require(BUNDLE);
};

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}

module.exports = { isFresh, signature };
