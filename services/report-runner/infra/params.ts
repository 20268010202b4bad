import { METRIC_NAMES, METRICS, type MetricName } from '@pipeline/shared';
import { REGISTRY_PREFIX } from '@pipeline/shared/registry';
import {
  alarmParams,
  alarmTemplateParameters,
  commonParams,
  fromStageParameter,
  withStageConfigs,
} from '@pipeline/shared/serverless';

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** The parameter holding a bound of a metric's anomaly range: `anomalyTemperatureMin`, ... */
export const anomalyParam = (metric: MetricName, bound: 'Min' | 'Max') =>
  `anomaly${capitalise(metric)}${bound}`;

/** Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts). */
export const params = (service: string) =>
  withStageConfigs(service, {
    default: {
      ...commonParams,
      ...alarmParams,
      // From ingest-transform: compose passes its outputs; deployed alone, what it published for
      // the stage (resolved by CloudFormation at deploy time; stage-parameters.ts).
      ingestBucketName: fromStageParameter('ingestBucketName'),
      ingestBucketArn: fromStageParameter('ingestBucketArn'),
      glueDatabaseName: 'pipeline_${sls:stage}',
      glueTableName: 'telemetry',
      // The device registry's Glue table (ingest-transform's) and the folder it reads, which the
      // registry reports join.
      registryTableName: 'device_registry',
      registryPrefix: REGISTRY_PREFIX,
      // analytics-sink's real-time tables (Glue, over its RealtimeBucket), which the dashboard of
      // a stage without a warehouse reads through Athena; from analytics-sink through compose or,
      // deployed alone, from what analytics-sink published for the stage.
      realtimeGlueDatabaseName: 'pipeline_${sls:stage}',
      realtimeBucketArn: fromStageParameter('realtimeBucketArn'),
      // msk-consumer's quarantine bucket (errors/msk/), which the quarantine view reads; compose
      // passes its output. msk-consumer is optional in a stage, and it creates the view: \`none\`
      // (no msk-consumer) leaves the quarantine report out. Not a stage parameter reference: the
      // value is compared with \`none\` in a Condition, where CloudFormation refuses one (cfn-lint E1052).
      kafkaQuarantineBucketArn: 'none',
      // SQS event source: a batch over 10 needs a batching window of at least 1 s.
      batchSize: '10',
      batchingWindowSeconds: '5',
      maximumConcurrency: '5',
      maxReceiveCount: '3',
      // Athena: at most 10 GiB scanned per query; scratch results kept a week.
      bytesScannedCutoffPerQuery: '10737418240',
      athenaResultsRetentionDays: '7',
      queryDeadlineSeconds: '240',
      partitionConcurrency: '2',
      reportConcurrency: '4',
      // Daily re-run of yesterday's 24 hours (UTC), after late objects have landed.
      rerunSchedule: 'cron(30 2 * * ? *)',
      rerunDaysBack: '1',
      lateAfterSeconds: '900',
      // The hourly books (src/handlers/books.ts): the hub and the delivery stream whose AWS metrics
      // they read (from ingest-transform through compose; its deterministic names by default), the
      // schedule (at :35, so the previous hour has settled: BOOKS_SETTLE_SECONDS), and the tolerance
      // (shared/src/books/stage.ts): the processor buffer interval plus a minute at each edge.
      hubStreamName: 'ingest-transform-${sls:stage}-telemetry',
      deliveryStreamName: 'ingest-transform-${sls:stage}-lake',
      booksSchedule: 'cron(35 * * * ? *)',
      booksEdgeLagSeconds: '120',
      booksAbsoluteTolerance: '0',
      ...Object.fromEntries(
        METRIC_NAMES.flatMap((metric) => [
          [anomalyParam(metric, 'Min'), String(METRICS[metric].anomaly.min)],
          [anomalyParam(metric, 'Max'), String(METRICS[metric].anomaly.max)],
        ]),
      ),
      // Warehouse: none | create-serverless | redshift-serverless | redshift-cluster | postgres.
      warehouse: 'none',
      redshiftDatabase: 'dev',
      redshiftBaseCapacity: '8',
      redshiftWorkgroupName: 'none',
      redshiftWorkgroupArn: 'none',
      redshiftClusterIdentifier: 'none',
      redshiftDbUser: 'none',
      redshiftSecretArn: 'none',
      redshiftCopyRoleArn: 'none',
      // With warehouse=postgres: a URL without a password, or (any other stage than local) a
      // Secrets Manager secret holding the whole URL.
      warehouseUrl: 'none',
      warehouseUrlSecretArn: 'none',
      // enabled | disabled: regenerate dashboard/index.html after each run, from the warehouse
      // or, with warehouse=none, from the report outputs and the real-time tables.
      dashboard: 'enabled',
      // enabled | disabled: an Amazon QuickSight data source (Athena through the workgroup, or the
      // warehouse), datasets and a dashboard with the static page's panels (docs/DASHBOARD.md).
      quicksight: 'disabled',
      // With quicksight=enabled: the QuickSight user or group that owns them
      // (arn:aws:quicksight:<identity region>:<account>:user/<namespace>/<name>, or group/...).
      quicksightPrincipalArn: 'none',
      // With a warehouse: the Secrets Manager secret (username, password) QuickSight signs in with.
      quicksightWarehouseSecretArn: 'none',
      // With warehouse=postgres: where QuickSight connects, host:port/database.
      quicksightPostgresEndpoint: 'none',
      // A QuickSight VPC connection to reach a private warehouse endpoint.
      quicksightVpcConnectionArn: 'none',
      runnerHandler: 'src/handlers/runner.handler',
      esbuildWorkFolder: '.esbuild',
    },
    // `sls invoke local --stage local`: the same handler with DuckDB, folders and PGlite, wired by
    // the local cloud (local/ is never bundled for AWS). The build goes two folders deeper so the
    // entry from ../../local stays inside .esbuild/.
    local: {
      ingestBucketName: 'local-ingest',
      ingestBucketArn: 'arn:aws:s3:::local-ingest',
      realtimeBucketArn: 'arn:aws:s3:::local-realtime',
      kafkaQuarantineBucketArn: 'arn:aws:s3:::msk-consumer-local-quarantine',
      runnerHandler: '../../local/src/functions/report-runner.handler',
      esbuildWorkFolder: '.esbuild/local/work',
    },
  });

/**
 * The values a JSON-typed property or a Condition uses, as template parameters
 * (resources.Parameters; stage-parameters.ts templateParameterFor, alarms.ts).
 */
export const templateParameters = {
  ...alarmTemplateParameters,
  IngestBucketName: {
    param: 'ingestBucketName',
    description: "The ingest bucket whose new lake objects queue report runs (ingest-transform's)",
  },
};
