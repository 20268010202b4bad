import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TransformQuarantineRecord } from '@pipeline/shared';
import { transformQuarantineObjects } from '../domain/quarantine-objects';
import type { TransformQuarantine } from '../handlers/transform-handler';

/**
 * The transform's quarantine on S3, in the ingest bucket under `errors/transform/` (so the error
 * prefix's retention applies). Each object is written once (`If-None-Match: *`): S3 answers 412 when
 * the key exists, which a retried invocation meets and takes as done.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export class S3TransformQuarantine implements TransformQuarantine {
  constructor(private readonly options: { client: S3Client; bucket: string }) {}

  async put(records: readonly TransformQuarantineRecord[]): Promise<void> {
    await Promise.all(
      transformQuarantineObjects(records).map(async ({ key, body }) => {
        try {
          await this.options.client.send(
            new PutObjectCommand({
              Bucket: this.options.bucket,
              Key: key,
              Body: body,
              ContentType: 'application/x-ndjson',
              IfNoneMatch: '*',
            }),
          );
        } catch (error) {
          if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
            return;
          throw error;
        }
      }),
    );
  }
}
