import { KAFKA_QUARANTINE_PREFIX, LAKE_PREFIX, QUARANTINE_TABLES, QUARANTINE_VIEW } from '@pipeline/shared';
import { allow, arn, assumedBy, glueArn, ifThen, inlinePolicy, sub } from '@pipeline/shared/serverless';
import { athenaResults, locateLake, queryLakeInWorkgroup } from './athena';
import { dashboardStatements } from './dashboard';
import { BOOKS_FUNCTION_NAME } from './functions/books';
import { RUNNER_FUNCTION_NAME } from './functions/runner';
import { REPORTS_PREFIX } from './storage';
import { runnerWarehousePolicies } from './warehouse';

const writeOwnLogs = (functionName: string) => ({
  Sid: 'Logs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: sub(
    `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
  ),
});

/**
 * msk-consumer's quarantine bucket, read by Athena for the quarantine view, only in a stage that
 * has it. Athena reads S3 with the caller's permissions ("users must have permission to access
 * Amazon S3 buckets in order to query them with Athena",
 * https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html).
 */
const kafkaQuarantineGrants = [
  {
    Sid: 'LocateKafkaQuarantine',
    Action: ['s3:GetBucketLocation'],
    Resource: '${param:kafkaQuarantineBucketArn}',
  },
  {
    Sid: 'ListKafkaQuarantine',
    Action: ['s3:ListBucket'],
    Resource: '${param:kafkaQuarantineBucketArn}',
    Condition: { StringLike: { 's3:prefix': [`${KAFKA_QUARANTINE_PREFIX}*`] } },
  },
  {
    Sid: 'ReadKafkaQuarantine',
    Action: ['s3:GetObject'],
    Resource: `\${param:kafkaQuarantineBucketArn}/${KAFKA_QUARANTINE_PREFIX}*`,
  },
].map((statement) => ifThen('HasKafkaQuarantine', { Effect: 'Allow', ...statement }));

/**
 * Listing one prefix of the ingest bucket and reading its objects: what Athena needs of a table's
 * folder (https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html).
 */
const listAndReadIngest = (name: string, prefix: string) => [
  allow(`List${name}`, ['s3:ListBucket'], '${param:ingestBucketArn}', {
    Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } },
  }),
  allow(`Read${name}`, ['s3:GetObject'], `\${param:ingestBucketArn}/${prefix}*`),
];

/** What the lake's reports read besides the lake table: the lake, the registry, the quarantines. */
const readReportSources = [
  {
    // The registry reports join it; Athena needs no more than the table (the catalog
    // and database are granted with the lake's table, queryLakeInWorkgroup).
    Sid: 'ReadRegistryTable',
    Effect: 'Allow',
    Action: ['glue:GetTable'],
    Resource: glueArn('table/${param:glueDatabaseName}/${param:registryTableName}'),
  },
  locateLake,
  ...listAndReadIngest('Lake', LAKE_PREFIX.raw),
  // Athena lists the registry table's folder and reads its objects (the registry file).
  ...listAndReadIngest('Registry', '${param:registryPrefix}'),
  {
    // The quarantine report reads the view over every source's table (the tables are
    // partition-projected: no partitions to read).
    Sid: 'ReadQuarantineTables',
    Effect: 'Allow',
    Action: ['glue:GetTable'],
    Resource: [...QUARANTINE_TABLES.map(({ name }) => name), QUARANTINE_VIEW].map((table) =>
      glueArn(`table/\${param:glueDatabaseName}/${table}`),
    ),
  },
  // The transform's, Firehose's and the IoT rule's error records (errors/...).
  ...listAndReadIngest('IngestQuarantine', LAKE_PREFIX.errors),
  ...kafkaQuarantineGrants,
];

/** One role per function: the runner's and the books'. */
export const roleResources = {
  RunnerRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description:
        'report-runner: consume its queue, query the lake through its workgroup, write reports, load the warehouse',
      AssumeRolePolicyDocument: assumedBy(['lambda.amazonaws.com']),
      Policies: [
        inlinePolicy('runner', [
          writeOwnLogs(RUNNER_FUNCTION_NAME),
          {
            Sid: 'ConsumeQueue',
            Effect: 'Allow',
            Action: [
              'sqs:ReceiveMessage',
              'sqs:DeleteMessage',
              'sqs:GetQueueAttributes',
              'sqs:ChangeMessageVisibility',
            ],
            Resource: arn('RunQueue'),
          },
          {
            Sid: 'FailedRerunsToDlq',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: arn('DeadLetterQueue'),
          },
          ...queryLakeInWorkgroup,
          ...readReportSources,
          ...athenaResults,
          {
            Sid: 'WriteReports',
            Effect: 'Allow',
            Action: ['s3:PutObject'],
            Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
          },
          ...dashboardStatements,
        ]),
        ...runnerWarehousePolicies,
      ],
    },
  },

  BooksRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description:
        'report-runner books: read the stage metrics, count the lake through the workgroup, read the error prefix and the run manifests',
      AssumeRolePolicyDocument: assumedBy(['lambda.amazonaws.com']),
      Policies: [
        inlinePolicy('books', [
          writeOwnLogs(BOOKS_FUNCTION_NAME),
          {
            // GetMetricData has no resource type: "you must specify all resources ("*")".
            // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
            Sid: 'ReadMetrics',
            Effect: 'Allow',
            Action: ['cloudwatch:GetMetricData'],
            Resource: '*',
          },
          {
            Sid: 'FailedRunsToDlq',
            Effect: 'Allow',
            Action: ['sqs:SendMessage'],
            Resource: arn('DeadLetterQueue'),
          },
          ...queryLakeInWorkgroup,
          locateLake,
          {
            // The lake (Athena reads it with the caller's permissions) and the error prefix.
            Sid: 'ListLakeAndErrors',
            Effect: 'Allow',
            Action: ['s3:ListBucket'],
            Resource: '${param:ingestBucketArn}',
            Condition: { StringLike: { 's3:prefix': [`${LAKE_PREFIX.raw}*`, `${LAKE_PREFIX.errors}*`] } },
          },
          {
            Sid: 'ReadLakeAndErrors',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: [
              `\${param:ingestBucketArn}/${LAKE_PREFIX.raw}*`,
              `\${param:ingestBucketArn}/${LAKE_PREFIX.errors}*`,
            ],
          },
          ...athenaResults,
          {
            Sid: 'ReadRunManifests',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
          },
        ]),
      ],
    },
  },
};
