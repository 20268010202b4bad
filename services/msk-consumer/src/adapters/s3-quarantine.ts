import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { quarantineObjects } from '../domain/plan-batch';
import type { Quarantine, QuarantinedRecord } from '../domain/ports';

/**
 * The quarantine port on S3: one JSON-lines object per topic-partition and batch under
 * `errors/msk/dt=.../hour=.../`. S3 rather than the SQS dead-letter queue because a Kafka value can
 * be far larger than an SQS message (Kafka allows 1 MB by default and is often raised to 10 MB),
 * and a quarantined record must keep its original value to be replayed.
 */
export class S3Quarantine implements Quarantine {
  constructor(private readonly options: { client: S3Client; bucket: string }) {}

  async put(records: readonly QuarantinedRecord[]): Promise<void> {
    await Promise.all(
      quarantineObjects(records).map(({ key, body }) =>
        this.options.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/x-ndjson',
          }),
        ),
      ),
    );
  }
}
