import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  LOCAL_STAGE,
  localCloudDir,
  localObjectFile,
  type TransformQuarantineRecord,
} from '@pipeline/shared';
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

/**
 * The quarantine on the `local` stage (`sls invoke local --stage local`): the same objects as files
 * of the local cloud's bucket folder (`$LOCAL_ROOT` or `.local/`), as `npm start` lays buckets out.
 */
export class LocalTransformQuarantine implements TransformQuarantine {
  constructor(private readonly options: { dir: string; bucket: string }) {}

  async put(records: readonly TransformQuarantineRecord[]): Promise<void> {
    for (const { key, body } of transformQuarantineObjects(records)) {
      const file = localObjectFile(this.options.dir, this.options.bucket, key);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, body);
    }
  }
}

/** The deployed quarantine of a stage: S3, or the local cloud's folder on the local stage. */
export const transformQuarantineFor = ({
  bucket,
  stage,
}: {
  bucket: string;
  stage: string;
}): TransformQuarantine =>
  stage === LOCAL_STAGE
    ? new LocalTransformQuarantine({ dir: localCloudDir(), bucket })
    : new S3TransformQuarantine({ client: new S3Client({}), bucket });
