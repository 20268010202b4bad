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
  commonParamRules,
  integerIn,
  NONE,
  noneOr,
  oneOf,
  orSsmReference,
  positive,
  postgresParamRules,
  redshiftServerlessParamRules,
  s3BucketName,
  type ParamCheck,
  type ParamRules,
} from '@pipeline/shared/serverless';
import { AlertRuleError, parseAlertRules } from './domain/alert-rules';
import { FINGERPRINT_CHARS } from './domain/dedup-memory';
import { LAMBDA_STATE_LIMIT_BYTES } from './settings';

const alertRules: ParamCheck = (value) => {
  try {
    parseAlertRules(value === NONE ? '' : value);
    return undefined;
  } catch (error) {
    if (error instanceof AlertRuleError) return error.message;
    throw error;
  }
};

// The fingerprints alone must leave room for the aggregates (settings.ts refuses it at cold start).
const dedupCapacity: ParamCheck = (value, { params }) => {
  const maxStateBytes = Number(params.maxStateBytes);
  return Number(value) * FINGERPRINT_CHARS > maxStateBytes / 2
    ? `needs ${Number(value) * FINGERPRINT_CHARS} bytes of window state, more than half of maxStateBytes (${maxStateBytes})`
    : undefined;
};

// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html (Kinesis):
// MaximumRecordAgeInSeconds -1 (infinite) or 60-604800.
const maximumRecordAge: ParamCheck = (value, context) =>
  value === '-1'
    ? undefined
    : integerIn(60, 604_800)(value, context) && 'must be -1 (no limit) or an integer from 60 to 604800';

// Athena names of databases, tables and views: lower-case letters, digits and underscores.
// https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html
const glueName: ParamCheck = (value) =>
  /^[a-z0-9_]{1,255}$/.test(value)
    ? undefined
    : 'must be a Glue database name Athena can query (1-255 of a-z, 0-9, _)';

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
  maxFutureSkewSeconds: positive,
  maxEventAgeHours: positive,
  // Lambda ends a window early at 1 MB of state per shard.
  maxStateBytes: integerIn(1, LAMBDA_STATE_LIMIT_BYTES - 1),
  dedupCapacity: allOf(positive, dedupCapacity),
  alertRules,
  alertTarget: (value, context) =>
    value === 'log'
      ? undefined
      : arnOf(ARN.snsTopic)(value, context) && `must be "log" or ${ARN.snsTopic.description}`,
  warehouse: oneOf(NONE, 'redshift-serverless', 'postgres'),
  glueDatabaseName: glueName,
  ...redshiftServerlessParamRules,
  warehouseDeadlineSeconds: positive,
  ...postgresParamRules,
  // Deployed alone, the values ingest-transform published for the stage (ssm dynamic references).
  ingestBucketName: noneOr(orSsmReference(s3BucketName)),
  ingestBucketArn: orSsmReference(arnOf(ARN.s3Bucket)),
  registryKey: noneOr((value) =>
    value.startsWith('/') ? 'must be an object key (no leading /)' : undefined,
  ),
  registryRefreshSeconds: positive,
};
