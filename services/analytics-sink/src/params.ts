/**
 * The rules of analytics-sink's deployment parameters (`params` in serverless.ts), checked when
 * osls resolves the config (shared/src/serverless/check-params.cjs) and by the local cloud: values
 * CloudFormation, the event source mapping or the function's cold start would refuse fail
 * `sls package` instead, naming the parameter.
 */
import { ARN } from '@pipeline/shared';
import {
  alarmParamRules,
  allOf,
  arnOf,
  buildParamRules,
  commonParamRules,
  eventTimeParamRules,
  glueDatabaseName,
  handlerEntry,
  integerIn,
  NONE,
  noneOr,
  oneOf,
  orSsmReference,
  positive,
  postgresParamRules,
  redshiftDatabaseParamRules,
  redshiftServerlessParamRules,
  rule,
  s3BucketName,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from '@pipeline/shared/serverless';
import { AlertRuleError, parseAlertRules } from './domain/alert-rules';
import { FINGERPRINT_CHARS } from './domain/dedup-memory';
import { LAMBDA_STATE_LIMIT_BYTES } from './settings';

const alertRules: ParamCheck = rule('comma-separated <metric>(>|<)<threshold>, or none', (value) => {
  try {
    parseAlertRules(value === NONE ? '' : value);
    return undefined;
  } catch (error) {
    if (error instanceof AlertRuleError) return error.message;
    throw error;
  }
});

// The fingerprints alone must leave room for the aggregates (settings.ts refuses it at cold start).
const dedupCapacity: ParamCheck = rule(
  'fingerprints filling at most half of maxStateBytes',
  (value, { params }) => {
    const maxStateBytes = Number(params.maxStateBytes);
    return Number(value) * FINGERPRINT_CHARS > maxStateBytes / 2
      ? `needs ${Number(value) * FINGERPRINT_CHARS} bytes of window state, more than half of maxStateBytes (${maxStateBytes})`
      : undefined;
  },
);

// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (Kinesis):
// MaximumRecordAgeInSeconds -1 (infinite) or 60-604800.
const maximumRecordAge: ParamCheck = rule('-1 (no limit) or integer 60–604800', (value, context) =>
  value === '-1'
    ? undefined
    : integerIn(60, 604_800)(value, context) && 'must be -1 (no limit) or an integer from 60 to 604800',
);

export const paramRules: ParamRules = {
  ...commonParamRules,
  ...alarmParamRules,
  alarmIteratorAgeMilliseconds: positive,
  hubStreamArn: arnOf(ARN.kinesisStream),
  // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html: 1-900 s (0 turns
  // tumbling windows off, which the sink's windowed state needs).
  tumblingWindowSeconds: integerIn(1, 900),
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (Kinesis).
  batchSize: integerIn(1, 10_000),
  batchingWindowSeconds: integerIn(0, 300),
  parallelizationFactor: integerIn(1, 10),
  startingPosition: oneOf('LATEST', 'TRIM_HORIZON'),
  maximumRetryAttempts: integerIn(-1, 10_000),
  maximumRecordAgeSeconds: maximumRecordAge,
  maxRecordBytes: positive,
  ...eventTimeParamRules,
  // Lambda ends a window early at 1 MB of state per shard.
  maxStateBytes: integerIn(1, LAMBDA_STATE_LIMIT_BYTES - 1),
  dedupCapacity: allOf(positive, dedupCapacity),
  alertRules,
  alertTarget: rule(`log, or ${arnOf(ARN.snsTopic).summary}`, (value, context) =>
    value === 'log'
      ? undefined
      : arnOf(ARN.snsTopic)(value, context) && `must be "log" or ${ARN.snsTopic.description}`,
  ),
  warehouse: oneOf(NONE, 'redshift-serverless', 'postgres'),
  glueDatabaseName,
  ...redshiftDatabaseParamRules,
  ...redshiftServerlessParamRules,
  warehouseDeadlineSeconds: positive,
  ...postgresParamRules,
  // Deployed alone, the values ingest-transform published for the stage (ssm dynamic references).
  ingestBucketName: noneOr(orSsmReference(s3BucketName)),
  ingestBucketArn: orSsmReference(arnOf(ARN.s3Bucket)),
  registryKey: noneOr(
    rule('object key (no leading /)', (value) =>
      value.startsWith('/') ? 'must be an object key (no leading /)' : undefined,
    ),
  ),
  registryRefreshSeconds: positive,
  sinkHandler: handlerEntry,
  ...buildParamRules,
};

/** One line per parameter of this service; the shared ones are in SHARED_PARAM_DESCRIPTIONS. */
export const paramDescriptions: ParamDescriptions = {
  tumblingWindowSeconds: 'Length of a tumbling window (seconds)',
  batchSize: 'Hub records per invocation',
  batchingWindowSeconds: 'How long the mapping gathers a batch (seconds); fewer, larger batches cost less',
  parallelizationFactor: 'Concurrent batches per shard (README "Shards, reshards and parallelization")',
  startingPosition:
    "Where a new mapping starts; TRIM_HORIZON replays the hub's retention (records older than maximumRecordAgeSeconds go to the failure queue)",
  maximumRetryAttempts: 'Retries of a failed batch before it goes to the failure queue',
  maximumRecordAgeSeconds: 'Records older than this go to the failure queue instead of being retried',
  maxStateBytes:
    'Budget of the window state returned to Lambda (1 MB per shard); above it the segment is written early',
  dedupCapacity: 'event_ids remembered per window and shard for de-duplication',
  alertRules: 'Alert rules, comma-separated (README "Alerts"); none: no alerts',
  alertTarget: "Where alerts go: the stack's AlertTopic, or log",
  warehouseDeadlineSeconds:
    'Longest wait for one Data API statement before it is cancelled and the invocation fails (retried)',
  sinkHandler: "Internal: the function's handler (stage local runs local/'s wiring of it)",
};
