import { alarmTopicParams, commonParams, withStageConfigs } from '@pipeline/shared/serverless';
import { DEFAULT_REGISTRY_KEY } from '@pipeline/shared/registry';
import { DEFAULT_PROCESSOR_BUFFER_SIZE_MB } from '../src/domain/processor-buffer';
import { service } from './service';

// Defaults, then one set per stage file config/<stage>.yml (shared/src/serverless/stage-config.ts).
export const params = withStageConfigs(service, {
  default: {
    ...commonParams,
    // The stage's alarm topic is created here unless alarmTopicArn names one; alarmEmail
    // subscribes an address to it. Compose passes the topic to the other services.
    ...alarmTopicParams,
    // Alarm when more than this share (percent) of the records the transform returned in each of
    // two 5-minute periods were rejected (ProcessingFailed): a producer sending the wrong format.
    alarmRejectionPercent: '5',
    // Alarm when Firehose (the hub's GetRecords reader) lags this far behind, or when the newest
    // record in Firehose is this old without reaching S3 (buffer interval x 1.5 plus retries).
    alarmIteratorAgeMilliseconds: '600000',
    alarmDataFreshnessSeconds: '900',
    // Alarm when the hub takes in fewer records than this in each of three 5-minute periods (no data
    // counts as none): a whole fleet gone quiet produces no lake object, no report run and no other
    // alarm. 0 (the default) turns it off, since a quiet dev stage would keep it firing; set it to
    // well below your fleet's normal 5-minute volume.
    alarmMinIncomingRecords: '0',
    streamMode: 'ON_DEMAND',
    shardCount: '2',
    streamRetentionHours: '24',
    lakeFormat: 'parquet',
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html: processor hints
    // 0.2-3 MB and 0-900 s. The transform's response may be many times its input (the canonical
    // line of a terse reading), so the size is bounded by the largest expansion of a valid reading
    // (src/domain/processor-buffer.ts; README): 0.2 MB never diverts one for the 6 MB limit.
    processorBufferSizeMB: DEFAULT_PROCESSOR_BUFFER_SIZE_MB,
    processorBufferIntervalSeconds: '60',
    processorRetries: '3',
    // Record format conversion and dynamic partitioning both need an S3 buffer of at least 64 MB.
    // Below 128 MB per partition and interval the interval decides: 300 s writes 12 objects per
    // hour and partition (and 12 report runs) instead of 60, keeping Firehose's DataFreshness
    // under its 900 s alarm. docs/OPERATIONS.md has the file-size and cost trade-off.
    s3BufferSizeMB: '128',
    s3BufferIntervalSeconds: '300',
    maxRecordBytes: '65536',
    maxFutureSkewSeconds: '300',
    maxEventAgeHours: '168',
    quarantineRetentionDays: '30',
    rawTransitionDays: '30',
    iotRuleEnabled: 'true',
    iotTopicPrefix: 'telemetry',
    // The device registry the transform enriches records from (README "Device registry"). Keep it
    // under reference/devices/, which the Glue table device_registry reads; none turns
    // enrichment off (every record registered = false).
    registryKey: DEFAULT_REGISTRY_KEY,
    // How often a container checks the registry's ETag (a conditional GET) for a new version.
    registryRefreshSeconds: '300',
    transformHandler: 'src/handlers/transform.handler',
    esbuildWorkFolder: '.esbuild',
  },
  // `sls invoke local --stage local`: the same handler reading the registry from the local cloud's
  // ingest bucket folder, wired by the local cloud (local/ is never bundled for AWS). The build
  // goes two folders deeper so the entry from ../../local stays inside .esbuild/.
  local: {
    transformHandler: '../../local/src/functions/ingest-transform.handler',
    esbuildWorkFolder: '.esbuild/local/work',
  },
});
