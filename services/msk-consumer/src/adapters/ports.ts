import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import type { HubWriter, Quarantine } from '../domain/ports';
import type { ConsumerSettings } from '../settings';
import { KinesisHubWriter } from './kinesis-hub-writer';
import { S3Quarantine } from './s3-quarantine';

export interface ConsumerPorts {
  hub: HubWriter;
  quarantine: Quarantine;
}

/**
 * The one place the consumer's SDK clients are created (once, at cold start). The `local` stage
 * runs another entry (`local/src/functions/msk-consumer.ts`) with file-backed ports instead.
 */
export const createPorts = (settings: ConsumerSettings): ConsumerPorts => ({
  hub: new KinesisHubWriter({ client: new KinesisClient({}), streamName: settings.hubStreamName }),
  quarantine: new S3Quarantine({ client: new S3Client({}), bucket: settings.quarantineBucket }),
});
