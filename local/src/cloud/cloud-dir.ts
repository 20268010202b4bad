import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The repository root at or above `from`: the folder holding serverless-compose.yml, since
 * `sls invoke local` runs in a service folder. `undefined` outside the repository.
 */
export const repositoryRoot = (from: string = process.cwd()): string | undefined => {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'serverless-compose.yml'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
};

/**
 * The local cloud's folder, where `npm start` keeps one folder per bucket and the `local` stage
 * (`sls invoke local --stage local`, wired by `local/src/functions/`) reads and writes files in
 * place of AWS: `$LOCAL_ROOT`, else `.local/` at the repository root, else `.local/` in `cwd`.
 */
export const localCloudDir = (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string => {
  if (env.LOCAL_ROOT) return path.resolve(env.LOCAL_ROOT);
  return path.join(repositoryRoot(cwd) ?? path.resolve(cwd), '.local');
};

/**
 * The file holding object `key` of `bucket` in a local cloud folder (`root`): one folder per bucket,
 * the key's `/` segments as sub-folders, as `npm start` and the `local` stage lay objects out.
 */
export const localObjectFile = (root: string, bucket: string, key: string): string =>
  path.join(root, bucket, ...key.split('/'));

/** Writes objects into `bucket`'s folder of a local cloud folder (`root`), laid out as `localObjectFile`. */
export const writeObjectFiles = async (
  root: string,
  bucket: string,
  objects: readonly { key: string; body: string | Uint8Array }[],
): Promise<void> => {
  for (const { key, body } of objects) {
    const file = localObjectFile(root, bucket, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, body);
  }
};
