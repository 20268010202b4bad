/**
 * The rules of msk-consumer's deployment parameters (`params` in serverless.ts), checked when osls
 * resolves the config (shared/src/serverless/check-params.cjs): values CloudFormation or the event
 * source mapping would refuse fail `sls package` instead, naming the parameter.
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
  positive,
  type ParamCheck,
  type ParamRules,
} from '@pipeline/shared/serverless';

const listOf =
  (pattern: RegExp, what: string): ParamCheck =>
  (value) =>
    value.split(',').every((item) => pattern.test(item.trim()))
      ? undefined
      : `must be a comma-separated list of ${what}, or none`;

// InVpc needs both: one without the other would leave the function outside the VPC without a word.
const withBoth =
  (other: string): ParamCheck =>
  (value, { params }) =>
    (value === NONE) !== (params[other] === NONE)
      ? `must be set together with ${other} (both, or both none)`
      : undefined;

// https://docs.aws.amazon.com/msk/latest/developerguide/msk-password.html: "The name of secrets
// associated with an Amazon MSK cluster must have the prefix AmazonMSK_".
const scramSecret: ParamCheck = (value, context) =>
  arnOf(ARN.secret)(value, context) ??
  (/:secret:AmazonMSK_/.test(value) ? undefined : 'must name a secret whose name starts with AmazonMSK_');

// https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html: minimum 1-200,
// maximum 1-2000, and not below the minimum.
const maximumPollers: ParamCheck = (value, context) =>
  integerIn(1, 2000)(value, context) ??
  (Number(value) < Number(context.params.mskMinimumPollers)
    ? `must not be below mskMinimumPollers (${String(context.params.mskMinimumPollers)})`
    : undefined);

export const paramRules: ParamRules = {
  ...commonParamRules,
  ...alarmParamRules,
  alarmOffsetLag: positive,
  hubStreamArn: noneOr(arnOf(ARN.kinesisStream)),
  mskClusterArn: noneOr(arnOf(ARN.mskCluster)),
  // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html: batch 1-10,000, window 0-300 s.
  mskBatchSize: integerIn(1, 10_000),
  mskBatchingWindowSeconds: integerIn(0, 300),
  mskStartingPosition: oneOf('LATEST', 'TRIM_HORIZON'),
  mskEnabled: oneOf('true', 'false'),
  mskSaslScramSecretArn: noneOr(scramSecret),
  mskPollerMode: oneOf('ON_DEMAND', 'PROVISIONED'),
  mskMinimumPollers: integerIn(1, 200),
  mskMaximumPollers: maximumPollers,
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html: -1 (infinite) to 10,000.
  mskMaximumRetryAttempts: integerIn(-1, 10_000),
  // EC2 ids: subnet-<hex>, sg-<hex>.
  vpcSubnetIds: noneOr(
    allOf(listOf(/^subnet-[0-9a-f]{8,17}$/, 'subnet ids'), withBoth('vpcSecurityGroupIds')),
  ),
  vpcSecurityGroupIds: noneOr(
    allOf(listOf(/^sg-[0-9a-f]{8,17}$/, 'security group ids'), withBoth('vpcSubnetIds')),
  ),
  maxValueBytes: positive,
  maxHubRecordBytes: positive,
  maxFutureSkewSeconds: positive,
  maxEventAgeHours: positive,
  quarantineRetentionDays: positive,
  // https://docs.aws.amazon.com/glue/latest/webapi/API_DatabaseInput.html: 1-255 characters;
  // Athena wants lower case letters, digits and underscores.
  glueDatabaseName: (value) =>
    /^[a-z0-9_]{1,255}$/.test(value) ? undefined : 'must be 1-255 lower case letters, digits or _',
};
