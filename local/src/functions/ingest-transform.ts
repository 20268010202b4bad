import { transformLambdaFromEnvironment } from '@pipeline/ingest-transform';
import { localCloudDir } from '../cloud/cloud-dir';
import { LocalTransformQuarantine } from '../engines/transform-quarantine-files';
import { localRegistrySource } from '../registry/file-registry-source';

/**
 * ingest-transform for `sls invoke local --stage local` (the stage's `transformHandler` parameter
 * points here): the deployed handler and wiring, reading the device registry from the local cloud's
 * ingest bucket folder instead of S3 and keeping its rejections in that folder, so it runs offline.
 * Never bundled for AWS.
 */
export const handler = transformLambdaFromEnvironment({
  registrySource: localRegistrySource(),
  quarantine: ({ bucket }) => new LocalTransformQuarantine({ dir: localCloudDir(), bucket }),
});
