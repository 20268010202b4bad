import path from 'node:path';
import { localCloudDir, repositoryRoot } from './cloud-dir';

/**
 * Names of the local stage's resources: what `sls invoke local --stage local` of each service
 * uses, so the local cloud and the services' local stages share one set of folders.
 */
export const LOCAL_RESOURCES = {
  hubStream: 'ingest-transform-local-telemetry',
  deliveryStream: 'ingest-transform-local-lake',
  /** report-runner's `ingestBucketName` on stage local. */
  ingestBucket: 'local-ingest',
  reportsBucket: 'local-reports',
  /** msk-consumer's quarantine bucket on stage local. */
  quarantineBucket: 'msk-consumer-local-quarantine',
  glueDatabase: 'pipeline_local',
  glueTable: 'telemetry',
  mskCluster: 'local-msk',
  mskTopic: 'telemetry',
  runQueue: 'report-runner-local-runs',
  deadLetterQueue: 'report-runner-local-dlq',
  sinkFailureQueue: 'analytics-sink-local-sink-failures',
  mskFailureQueue: 'msk-consumer-local-on-failure',
  functions: {
    transform: 'ingest-transform-local-transform',
    consumer: 'msk-consumer-local-consumer',
    runner: 'report-runner-local-runner',
    sink: 'analytics-sink-local-sink',
  },
} as const;

/**
 * Where the local cloud keeps everything: `LOCAL_ROOT`, else `.local/` at the repository root
 * ({@link localCloudDir}, which the services' `local` stage uses too). Unlike the services, the local
 * cloud refuses to start outside the repository rather than fill a `.local/` wherever it was run.
 */
export const localRoot = (env: NodeJS.ProcessEnv = process.env, from: string = process.cwd()): string => {
  if (!env.LOCAL_ROOT && repositoryRoot(from) === undefined)
    throw new Error('LOCAL_ROOT is not set and no repository root was found above the working directory');
  return localCloudDir(env, from);
};

/**
 * The folders under the local root, one per bucket (as `ObjectStore` keeps them):
 *
 *   local-ingest/raw/dt=YYYY-MM-DD/hour=HH/...      the lake (Firehose objects: Parquet or JSON+GZIP)
 *   local-ingest/errors/<type>/dt=.../hour=.../...   records Firehose could not deliver
 *   local-ingest/errors/transform/dt=.../hour=.../   the transform's rejections with their reasons
 *   local-reports/reports/<report>/dt=.../hour=../   report outputs and manifests
 *   msk-consumer-local-quarantine/errors/msk/...     Kafka records msk-consumer refused
 *   warehouse/                                       the PGlite data directory (the warehouse)
 *   hub/<stream>.ndjson                              hub records written by `sls invoke local` of msk-consumer
 *   local-cloud.json                                 what earlier runs did (the next run continues from it)
 */
export interface LocalLayout {
  root: string;
  lakeDir: string;
  reportsDir: string;
  quarantineDir: string;
  warehouseDir: string;
  hubFile: string;
  stateFile: string;
  lockFile: string;
}

export const localLayout = (root: string): LocalLayout => ({
  root,
  lakeDir: path.join(root, LOCAL_RESOURCES.ingestBucket),
  reportsDir: path.join(root, LOCAL_RESOURCES.reportsBucket),
  quarantineDir: path.join(root, LOCAL_RESOURCES.quarantineBucket),
  warehouseDir: path.join(root, 'warehouse'),
  hubFile: path.join(root, 'hub', `${LOCAL_RESOURCES.hubStream}.ndjson`),
  stateFile: path.join(root, 'local-cloud.json'),
  lockFile: path.join(root, '.lock'),
});
