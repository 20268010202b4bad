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
  buildParamRules,
  commonParamRules,
  eventTimeParamRules,
  glueDatabaseName,
  handlerEntry,
  integerIn,
  kinesisStreamName,
  NONE,
  noneOr,
  oneOf,
  positive,
  rule,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from '@pipeline/shared/serverless';

const listOf = (pattern: RegExp, what: string): ParamCheck =>
  rule(`comma-separated ${what}`, (value) =>
    value.split(',').every((item) => pattern.test(item.trim()))
      ? undefined
      : `must be a comma-separated list of ${what}, or none`,
  );

// InVpc needs both: one without the other would leave the function outside the VPC without a word.
const withBoth = (other: string): ParamCheck =>
  rule(`set together with ${other}`, (value, { params }) =>
    (value === NONE) !== (params[other] === NONE)
      ? `must be set together with ${other} (both, or both none)`
      : undefined,
  );

// https://docs.aws.amazon.com/msk/latest/developerguide/msk-password.html: "The name of secrets
// associated with an Amazon MSK cluster must have the prefix AmazonMSK_".
const scramSecret: ParamCheck = rule(
  `${arnOf(ARN.secret).summary} named AmazonMSK_...`,
  (value, context) =>
    arnOf(ARN.secret)(value, context) ??
    (/:secret:AmazonMSK_/.test(value) ? undefined : 'must name a secret whose name starts with AmazonMSK_'),
);

// https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html: minimum 1-200,
// maximum 1-2000, and not below the minimum.
const maximumPollers: ParamCheck = rule(
  'integer 1–2000, not below mskMinimumPollers',
  (value, context) =>
    integerIn(1, 2000)(value, context) ??
    (Number(value) < Number(context.params.mskMinimumPollers)
      ? `must not be below mskMinimumPollers (${String(context.params.mskMinimumPollers)})`
      : undefined),
);

// https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html: Topics, 1-249
// characters of a Kafka topic name (a-z, A-Z, 0-9, ., _, -), not starting with a dot.
const kafkaTopic: ParamCheck = rule(
  'Kafka topic name (1-249 of a-z, A-Z, 0-9, ., _, -; not starting with .)',
  (value) =>
    /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,248}$/.test(value)
      ? undefined
      : 'must be a Kafka topic name (1-249 of a-z, A-Z, 0-9, ., _, -, not starting with .)',
);

// https://docs.aws.amazon.com/lambda/latest/api/API_AmazonManagedKafkaEventSourceConfig.html:
// ConsumerGroupId, 1-200 characters of [a-zA-Z0-9-/*:_+=.@-].
const consumerGroupId: ParamCheck = rule('consumer group id (1-200 of a-z, A-Z, 0-9, -/*:_+=.@)', (value) =>
  /^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/.test(value)
    ? undefined
    : 'must be a consumer group id (1-200 of a-z, A-Z, 0-9, -/*:_+=.@)',
);

export const paramRules: ParamRules = {
  ...commonParamRules,
  ...alarmParamRules,
  alarmOffsetLag: positive,
  hubStreamName: kinesisStreamName,
  hubStreamArn: noneOr(arnOf(ARN.kinesisStream)),
  mskClusterArn: noneOr(arnOf(ARN.mskCluster)),
  // https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html: batch 1-10,000, window 0-300 s.
  mskTopic: kafkaTopic,
  mskConsumerGroupId: consumerGroupId,
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
  ...eventTimeParamRules,
  quarantineRetentionDays: positive,
  glueDatabaseName,
  consumerHandler: handlerEntry,
  ...buildParamRules,
};

/** One line per parameter of this service; the shared ones are in SHARED_PARAM_DESCRIPTIONS. */
export const paramDescriptions: ParamDescriptions = {
  alarmOffsetLag:
    "Alarm when the mapping's consumer group is this many records behind the topic for 15 minutes",
  mskClusterArn:
    'The MSK cluster; none: no event source mapping and no cluster permissions, so the stack deploys before the cluster exists',
  mskTopic: 'The Kafka topic to consume',
  mskConsumerGroupId: 'The consumer group (also scopes the IAM group permissions)',
  mskBatchSize: 'Records per invocation (500 fill one PutRecords request)',
  mskBatchingWindowSeconds: 'How long the mapping gathers a batch (seconds)',
  mskStartingPosition: 'Where a new consumer group starts',
  mskEnabled: 'false pauses the mapping without removing it',
  mskSaslScramSecretArn: 'A SASL/SCRAM-512 secret (README "Authentication"); none: IAM access control',
  mskPollerMode:
    'ON_DEMAND or PROVISIONED event pollers; only provisioned mode takes the pollers and retry limit',
  mskMinimumPollers: 'Provisioned mode: the fewest event pollers',
  mskMaximumPollers: 'Provisioned mode: the most event pollers',
  mskMaximumRetryAttempts:
    'Provisioned mode: retries of a failed batch before it goes to the on-failure destination',
  vpcSubnetIds:
    'Subnets of the function; with vpcSecurityGroupIds, it runs in that VPC (README "Networking")',
  vpcSecurityGroupIds: 'Security groups of the function; set together with vpcSubnetIds',
  maxValueBytes: 'Kafka values above this are quarantined (oversized_record) before decoding',
  maxHubRecordBytes:
    "Largest hub record, data plus partition key; raise it with maxValueBytes and the stream's maximum record size",
  consumerHandler: "Internal: the function's handler (stage local runs local/'s wiring of it)",
};
