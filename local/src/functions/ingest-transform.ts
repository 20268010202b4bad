import { transformLambdaFromEnvironment } from '@pipeline/ingest-transform';
import { localRegistrySource } from '../registry/file-registry-source';

/**
 * ingest-transform for `sls invoke local --stage local` (the stage's `transformHandler` parameter
 * points here): the deployed handler and wiring, reading the device registry from the local cloud's
 * ingest bucket folder instead of S3, so it runs offline. Never bundled for AWS.
 */
export const handler = transformLambdaFromEnvironment({ registrySource: localRegistrySource() });
