/**
 * The rules of ingest-transform's deployment parameters (`params` in serverless.ts), checked when
 * osls resolves the config (shared/src/serverless/check-params.cjs): values CloudFormation, Firehose
 * or Kinesis would refuse fail `sls package` instead, naming the parameter.
 */
import { REGISTRY_PREFIX } from '@pipeline/shared/registry';
import {
  alarmTopicParamRules,
  commonParamRules,
  integerAtLeast,
  integerIn,
  noneOr,
  numberIn,
  oneOf,
  paramIs,
  positive,
  when,
  type ParamCheck,
  type ParamRules,
} from '@pipeline/shared/serverless';
import { processorBufferSizeProblem } from './domain/processor-buffer';

// MQTT topic levels: no wildcards (+, #) and no empty level, since devices publish on <prefix>/<deviceId>.
const topicPrefix: ParamCheck = (value) =>
  value !== '' && value.split('/').every((level) => level !== '' && !/[+#]/.test(level))
    ? undefined
    : 'must be MQTT topic levels without wildcards (+, #) or empty levels';

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
  processorBufferSizeMB: processorBufferSizeProblem,
  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html: NumberOfRetries 0-300.
  processorRetries: integerIn(0, 300),
  // https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html: 1-128 MiB, 0-900 s.
  // Dynamic partitioning (always on here) needs at least 64 MiB and refuses zero buffering, whose
  // intervals are those below 60 s: https://docs.aws.amazon.com/firehose/latest/dev/buffering.html and
  // https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html.
  s3BufferSizeMB: integerIn(64, 128),
  s3BufferIntervalSeconds: integerIn(60, 900),
  maxRecordBytes: positive,
  maxFutureSkewSeconds: positive,
  maxEventAgeHours: positive,
  quarantineRetentionDays: positive,
  rawTransitionDays: integerAtLeast(0),
  iotRuleEnabled: oneOf('true', 'false'),
  iotTopicPrefix: topicPrefix,
  // The Glue table device_registry (and report-runner's grant) read reference/devices/ only.
  registryKey: noneOr((value) =>
    value.startsWith(REGISTRY_PREFIX) && value.length > REGISTRY_PREFIX.length
      ? undefined
      : `must be an object key under ${REGISTRY_PREFIX}, or none`,
  ),
  registryRefreshSeconds: positive,
};
