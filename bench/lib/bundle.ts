import { buildSync } from 'esbuild';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { esbuildDefaults } from '@pipeline/shared/serverless';

const root = path.resolve(__dirname, '..', '..');

/**
 * Bundles TypeScript the way serverless-esbuild bundles a deployed function (the shared esbuild
 * defaults: one minified CommonJS file, scope-hoisted) and loads it. Benchmarks measure this, not
 * the tsx-transpiled sources, whose per-module re-export getters and missing minification would
 * distort the figures.
 *
 * @param name - file name under bench/out/
 * @param source - the entry module's source, with paths relative to the repository root
 */
export const loadBundled = <T>(name: string, source: string): T => {
  const outfile = path.join(root, 'bench', 'out', `${name}.js`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  const { bundle, minify, target, platform, format, keepNames } = esbuildDefaults;
  buildSync({
    stdin: { contents: source, resolveDir: root, sourcefile: `${name}.ts`, loader: 'ts' },
    outfile,
    bundle,
    minify,
    target,
    platform,
    format,
    keepNames,
    logLevel: 'error',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(outfile) as T;
};
