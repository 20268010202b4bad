/**
 * The rules of ingest-transform's deployment parameters (`params` in serverless.ts), checked when
 * osls resolves the config (shared/src/serverless/check-params.cjs): values CloudFormation, Firehose
 * or Kinesis would refuse fail `sls package` instead, naming the parameter.
 */
import { REGISTRY_PREFIX } from '@pipeline/shared/registry';
import {
  alarmTopicParamRules,
  buildParamRules,
  commonParamRules,
  eventTimeParamRules,
  handlerEntry,
  integerAtLeast,
  integerIn,
  noneOr,
  numberIn,
  oneOf,
  paramIs,
  positive,
  rule,
  when,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from '@pipeline/shared/serverless';
import {
  largestSafeProcessorBufferSizeMB,
  PROCESSOR_BUFFER_LIMITS_MB,
  processorBufferSizeProblem,
} from './domain/processor-buffer';

// MQTT topic levels: no wildcards (+, #) and no empty level, since devices publish on <prefix>/<deviceId>.
const topicPrefix: ParamCheck = rule('MQTT topic levels without wildcards (+, #) or empty levels', (value) =>
  value !== '' && value.split('/').every((level) => level !== '' && !/[+#]/.test(level))
    ? undefined
    : 'must be MQTT topic levels without wildcards (+, #) or empty levels',
);

// Firehose's range, cut to what keeps the transform's response under Lambda's limit.
const processorBufferSummary = (): string => {
  const { min, max } = PROCESSOR_BUFFER_LIMITS_MB;
  const largest = largestSafeProcessorBufferSizeMB();
  return largest > min
    ? `number ${min}–${largest} (Firehose allows up to ${max})`
    : `${min} (Firehose allows up to ${max}; a larger buffer overflows the transform's response)`;
};

export const paramRules: ParamRules = {
  ...commonParamRules,
  ...alarmTopicParamRules,
  alarmRejectionPercent: numberIn(0, 100),
  alarmIteratorAgeMilliseconds: positive,
  alarmDataFreshnessSeconds: positive,
  alarmMinIncomingRecords: integerAtLeast(0),
  streamMode: oneOf('ON_DEMAND', 'PROVISIONED'),
  shardCount: when(paramIs('streamMode', 'PROVISIONED'), positive),
  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html: 24-8760 hours.
  streamRetentionHours: integerIn(24, 8760),
  lakeFormat: oneOf('parquet', 'json'),
  // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html: processor interval 0-900 s.
  processorBufferIntervalSeconds: integerIn(0, 900),
  // 0.2-3 MB (Firehose), and small enough that the transform's response of a buffer of the smallest
  // valid readings fits Lambda's 6 MB (domain/processor-buffer.ts has the formula).
  processorBufferSizeMB: rule(processorBufferSummary(), processorBufferSizeProblem),
  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html: NumberOfRetries 0-300.
  processorRetries: integerIn(0, 300),
  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html: 1-128 MiB, 0-900 s.
  // Dynamic partitioning (always on here) needs at least 64 MiB and refuses zero buffering, whose
  // intervals are those below 60 s: https://docs.aws.amazon.com/firehose/latest/dev/buffering.html and
  // https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html.
  s3BufferSizeMB: integerIn(64, 128),
  s3BufferIntervalSeconds: integerIn(60, 900),
  maxRecordBytes: positive,
  ...eventTimeParamRules,
  quarantineRetentionDays: positive,
  rawTransitionDays: integerAtLeast(0),
  iotRuleEnabled: oneOf('true', 'false'),
  iotTopicPrefix: topicPrefix,
  // The Glue table device_registry (and report-runner's grant) read reference/devices/ only.
  registryKey: noneOr(
    rule(`object key under ${REGISTRY_PREFIX}`, (value) =>
      value.startsWith(REGISTRY_PREFIX) && value.length > REGISTRY_PREFIX.length
        ? undefined
        : `must be an object key under ${REGISTRY_PREFIX}, or none`,
    ),
  ),
  registryRefreshSeconds: positive,
  transformHandler: handlerEntry,
  ...buildParamRules,
};

/** One line per parameter of this service; the shared ones are in SHARED_PARAM_DESCRIPTIONS. */
export const paramDescriptions: ParamDescriptions = {
  alarmRejectionPercent:
    'Alarm when more than this share (percent) of the records the transform returned in each of two 5-minute periods were rejected',
  alarmDataFreshnessSeconds: 'Alarm when the newest record in Firehose is this old without reaching S3',
  alarmMinIncomingRecords:
    "Alarm when the hub takes in fewer records than this in each of three 5-minute periods; 0 turns it off (set it well below the fleet's 5-minute volume)",
  streamMode: "The hub's capacity mode",
  shardCount: 'Shards of a PROVISIONED hub',
  streamRetentionHours: 'How long the hub keeps records',
  lakeFormat:
    'parquet (Firehose record format conversion, Snappy) or json (JSON lines, GZIP) objects in the lake',
  processorBufferSizeMB:
    'How much Firehose buffers for one transform invocation (MB); bounded by the transform response limit ("The processor buffer bound" below)',
  processorBufferIntervalSeconds: 'How long Firehose buffers for one transform invocation',
  processorRetries:
    'Firehose retries of a failed transform invocation before the batch goes to the error prefix',
  s3BufferSizeMB: "Size of the lake's objects (MiB): dynamic partitioning needs at least 64",
  s3BufferIntervalSeconds:
    "Age of the lake's objects: below 128 MiB per partition the interval decides how many objects (and report runs) an hour brings",
  rawTransitionDays: 'Days before raw/ objects move to S3 Intelligent-Tiering',
  iotRuleEnabled: 'Create the IoT Core rule that forwards device messages to the hub',
  iotTopicPrefix: 'Devices publish on <prefix>/<deviceId>; the device id is the partition key',
  transformHandler: "Internal: the function's handler (stage local runs local/'s wiring of it)",
};
