import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { registryFormatFor, type RegistryFetchResult, type RegistrySource } from '../registry';

/**
 * The registry as a file: the object in a bucket folder of the local cloud (`npm start`, and
 * `sls invoke local --stage local`). The ETag is the content's MD5, as S3 gives a single-part
 * upload, so a changed file is picked up at the next refresh like a new S3 version.
 */
export class FileRegistrySource implements RegistrySource {
  constructor(private readonly options: { path: string }) {}

  async fetch(etag?: string): Promise<RegistryFetchResult> {
    const text = await readFile(this.options.path, 'utf8');
    const current = `"${createHash('md5').update(text).digest('hex')}"`;
    return current === etag
      ? { changed: false }
      : { changed: true, etag: current, text, format: registryFormatFor(this.options.path) };
  }
}

/**
 * The local cloud's folder: `$LOCAL_ROOT`, or `.local/` at the repository root (the folder holding
 * serverless-compose.yml; `sls invoke local` runs in the service folder), where `npm start` keeps
 * one folder per bucket.
 */
export const localCloudDir = (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string => {
  if (env.LOCAL_ROOT) return path.resolve(env.LOCAL_ROOT);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'serverless-compose.yml'))) return path.join(dir, '.local');
    if (path.dirname(dir) === dir) return path.join(path.resolve(cwd), '.local');
  }
};
