import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore, PutOptions } from '../domain/ports';

/** The reports bucket. PUT overwrites, which is what deterministic output keys rely on. */
export class S3ObjectStore implements ObjectStore {
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
}
