import { GetObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { RegistryFetchResult, RegistrySource } from '../cache';
import { registryFormatFor } from '../parse';

export interface S3RegistrySourceOptions {
  client: S3Client;
  bucket: string;
  key: string;
  /**
   * Each GET (download included) is abandoned after this long: a Firehose invocation waits for the
   * registry check, and reference data must never hold ingestion up (the cache keeps its last good
   * copy meanwhile). 10 s leaves room for a 100k-device registry (15 MB) on a cold container;
   * unchanged registries answer 304 in milliseconds.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Reads the registry object with a conditional GET: `If-None-Match` with the ETag of the copy held
 * makes S3 answer 304 Not Modified, without a body, while the object is unchanged
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 */
export class S3RegistrySource implements RegistrySource {
  private readonly timeoutMs: number;

  constructor(private readonly options: S3RegistrySourceOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async fetch(etag?: string): Promise<RegistryFetchResult> {
    const { client, bucket, key } = this.options;
    const abortSignal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: etag }),
        { abortSignal },
      );
      if (response.Body === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
      const text = await response.Body.transformToString('utf-8');
      return { changed: true, etag: response.ETag ?? '', text, format: registryFormatFor(key) };
    } catch (error) {
      if (etag !== undefined && isNotModified(error)) return { changed: false };
      throw error;
    }
  }
}

const isNotModified = (error: unknown): boolean =>
  (error instanceof S3ServiceException ||
    (typeof error === 'object' && error !== null && '$metadata' in error)) &&
  (error as S3ServiceException).$metadata?.httpStatusCode === 304;
