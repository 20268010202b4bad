import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_STAGE, localCloudDir } from '@pipeline/shared';
import type { HubWriter, Quarantine } from '../domain/ports';
import type { ConsumerSettings } from '../settings';
import { KinesisHubWriter } from './kinesis-hub-writer';
import { LocalHubWriter, LocalQuarantine } from './local-files';
import { S3Quarantine } from './s3-quarantine';

export interface ConsumerPorts {
  hub: HubWriter;
  quarantine: Quarantine;
}

/**
 * The one place the consumer's SDK clients are created (once, at cold start). The `local` stage
 * gets file-backed adapters instead, so `sls invoke local --stage local` runs offline.
 */
export const createPorts = (settings: ConsumerSettings): ConsumerPorts => {
  if (settings.stage === LOCAL_STAGE) {
    const dir = localCloudDir();
    return {
      hub: new LocalHubWriter({ dir, streamName: settings.hubStreamName }),
      quarantine: new LocalQuarantine({ dir, bucket: settings.quarantineBucket }),
    };
  }
  return {
    hub: new KinesisHubWriter({ client: new KinesisClient({}), streamName: settings.hubStreamName }),
    quarantine: new S3Quarantine({ client: new S3Client({}), bucket: settings.quarantineBucket }),
  };
};
