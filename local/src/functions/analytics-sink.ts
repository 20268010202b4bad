import { sinkLambdaFromEnvironment } from '@pipeline/analytics-sink';
import { localRegistrySource } from '../registry/file-registry-source';

/**
 * analytics-sink for `sls invoke local --stage local` (the stage's `sinkHandler` parameter points
 * here): the deployed handler and wiring (the stage's parameters choose the local warehouse and
 * alerts in the log), reading the device registry from the local cloud's ingest bucket folder
 * instead of S3, so it runs offline, and accepting a warehouse URL with a password (a database on
 * this machine; a deployed function refuses one). Never bundled for AWS.
 */
export const handler = sinkLambdaFromEnvironment({
  registrySource: localRegistrySource(),
  warehouseUrlPolicy: { passwordInUrl: 'allowed' },
});
