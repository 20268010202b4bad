import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
