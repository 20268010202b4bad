import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  registryFormatFor,
  type RegistryFetchResult,
  type RegistrySettings,
  type RegistrySource,
} from '@pipeline/shared/registry';
import { type RegistrySourceFactory } from '@pipeline/shared/registry/adapters';
import { localCloudDir, localObjectFile } from '../cloud/cloud-dir';

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

/** The registry object as a file of the local cloud: `<root>/<bucket>/<key>`, as `npm start` lays buckets out. */
export const localRegistryFile = (settings: RegistrySettings, root: string = localCloudDir()): string =>
  localObjectFile(root, settings.bucket, settings.key);

/**
 * The registry source of the local stage (`sls invoke local --stage local`, which has no S3): the
 * object's key in the local cloud's bucket folder, injected into the deployed wiring.
 */
export const localRegistrySource =
  (root: string = localCloudDir()): RegistrySourceFactory =>
  (settings) =>
    new FileRegistrySource({ path: localRegistryFile(settings, root) });
