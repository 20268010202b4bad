import { DEFAULT_REGISTRY_KEY } from '@pipeline/shared/registry';
import {
  alarmParams,
  alarmTemplateParameters,
  commonParams,
  fromStageParameter,
  ref,
  withStageConfigs,
} from '@pipeline/shared/serverless';

/** Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts). */
export const params = (service: string) =>
  withStageConfigs(service, {
    default: {
      ...commonParams,
      ...alarmParams,
      // Alarm when the sink's oldest record in a batch is this old: windows are written late.
      alarmIteratorAgeMilliseconds: '600000',
      // The hub (compose passes ingest-transform's HubStreamArn). Without compose: ingest-transform's
      // stream of the same stage, in this stack's account and region. A Fn::Join (not Fn::Sub) so
      // osls names the event source mapping after the stream, as it does for the compose ARN.
      hubStreamArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            ref('AWS::Partition'),
            ':kinesis:',
            ref('AWS::Region'),
            ':',
            ref('AWS::AccountId'),
            ':stream/ingest-transform-${sls:stage}-telemetry',
          ],
        ],
      } as unknown as string,
      // The Glue database of the real-time tables (warehouse=none): the lake's, which compose
      // passes (ingest-transform's GlueDatabaseName); this default is the same name.
      glueDatabaseName: 'pipeline_${sls:stage}',
      // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html: 1-900 s.
      tumblingWindowSeconds: '60',
      // Every invocation of a window carries, decodes and returns the whole window state (all devices
      // of the shard), so fewer, larger batches cost less: a 5 s batching window on a 60 s window
      // (docs/OPERATIONS.md cost model, docs/BENCHMARKS.md bench:e2e). 2000 records of ~300 B stay
      // far below the 6 MB invoke limit next to the state's 1 MB.
      batchSize: '2000',
      batchingWindowSeconds: '5',
      parallelizationFactor: '1',
      startingPosition: 'LATEST',
      maximumRetryAttempts: '20',
      maximumRecordAgeSeconds: '3600',
      maxRecordBytes: '65536',
      maxFutureSkewSeconds: '300',
      maxEventAgeHours: '168',
      maxStateBytes: '800000',
      dedupCapacity: '40000',
      alertRules: 'temperature>80,battery<15',
      // The stack's own topic; `log` writes alerts to the log instead (stage local).
      alertTarget: ref('AlertTopic') as unknown as string,
      // none: the real-time tables are objects in this stack's bucket, queried with Athena (no
      // warehouse to pay for while idle); redshift-serverless or postgres: the warehouse's tables.
      warehouse: 'none',
      redshiftWorkgroupName: 'none',
      redshiftWorkgroupArn: 'none',
      redshiftDatabase: 'dev',
      warehouseDeadlineSeconds: '90',
      // With warehouse=postgres: a URL without a password (stage local: the local warehouse),
      // or a Secrets Manager secret holding the whole URL, which wins over warehouseUrl.
      warehouseUrl: 'none',
      warehouseUrlSecretArn: 'none',
      // The device registry (per-device alert thresholds) lives in the ingest bucket; compose passes
      // ingest-transform's bucket, a stack deployed alone reads what ingest-transform published
      // for the stage (resolved by CloudFormation at deploy time; stage-parameters.ts).
      ingestBucketName: fromStageParameter('ingestBucketName'),
      ingestBucketArn: fromStageParameter('ingestBucketArn'),
      registryKey: DEFAULT_REGISTRY_KEY,
      registryRefreshSeconds: '300',
      sinkHandler: 'src/handlers/sink.handler',
      esbuildWorkFolder: '.esbuild',
    },
    // `sls invoke local --stage local`: the local cloud's warehouse (PGlite served over the Postgres
    // protocol) and alerts in the log; no AWS account needed, so the registry is read from the local
    // cloud's ingest bucket folder (as ingest-transform's local stage reads it), not from S3, by the
    // same handler wired by the local cloud (local/ is never bundled for AWS). The build goes two
    // folders deeper so the entry from ../../local stays inside .esbuild/.
    local: {
      warehouse: 'postgres',
      warehouseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      alertTarget: 'log',
      ingestBucketName: 'local-ingest',
      ingestBucketArn: 'arn:aws:s3:::local-ingest',
      sinkHandler: '../../local/src/functions/analytics-sink.handler',
      esbuildWorkFolder: '.esbuild/local/work',
    },
  });

/** Values the Conditions compare, as template parameters (resources.Parameters; alarms.ts). */
export const templateParameters = alarmTemplateParameters;
