import { Metrics } from '@aws-lambda-powertools/metrics';
import { createConsumerLambda, settingsFromEnvironment } from '@pipeline/msk-consumer';
import { createLogger } from '@pipeline/shared/runtime/lambda';
import { localCloudDir } from '../cloud/cloud-dir';
import { LocalHubWriter, LocalQuarantine } from '../engines/msk-consumer-files';

/**
 * msk-consumer for `sls invoke local --stage local` (the stage's `consumerHandler` parameter points
 * here): the deployed handler and middy chain, with the hub and the quarantine bucket as files in
 * the local cloud's folder, so it runs offline. Never bundled for AWS.
 */
const settings = settingsFromEnvironment();
const dir = localCloudDir();

export const handler = createConsumerLambda({
  settings: settings.consume,
  hub: new LocalHubWriter({ dir, streamName: settings.hubStreamName }),
  quarantine: new LocalQuarantine({ dir, bucket: settings.quarantineBucket }),
  logger: createLogger(),
  metrics: new Metrics(),
});
