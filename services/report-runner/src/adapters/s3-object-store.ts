import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectReader, ObjectStore, PutOptions } from '../domain/ports';

/** The reports bucket. PUT overwrites, which is what deterministic output keys rely on. */
export class S3ObjectStore implements ObjectStore, ObjectReader {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType: string, options: PutOptions = {}): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
      }),
    );
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  // ListObjectsV2 returns up to 1,000 keys a page in ascending key order and starts after
  // `StartAfter`; a truncated page carries `NextContinuationToken` for the next.
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
  async list(prefix: string, startAfter?: string, limit?: number): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
          ...(limit === undefined ? {} : { MaxKeys: limit - keys.length }),
        }),
      );
      for (const { Key } of page.Contents ?? []) if (Key) keys.push(Key);
      token =
        page.IsTruncated && (limit === undefined || keys.length < limit)
          ? page.NextContinuationToken
          : undefined;
    } while (token);
    return keys;
  }

  /** The object's bytes (error objects may be GZIP), or `undefined` when there is no such key. */
  async bytes(key: string): Promise<Uint8Array | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await object.Body?.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await object.Body?.transformToString('utf8');
    } catch (error) {
      // A key listed and then overwritten is still there; one never written is `NoSuchKey`.
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
