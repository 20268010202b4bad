import { arn, athenaQueryResults, glueArn, queryInWorkgroup, sub } from '@pipeline/shared/serverless';
import { ATHENA_RESULTS_PREFIX } from './storage';

/** The workgroup every report query runs in: enforced results location, bytes scanned capped. */
export const athenaResources = {
  AthenaWorkGroup: {
    Type: 'AWS::Athena::WorkGroup',
    Properties: {
      Name: '${self:service}-${sls:stage}',
      Description: 'Report queries: results in the reports bucket, bytes scanned capped per query',
      State: 'ENABLED',
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: '${param:bytesScannedCutoffPerQuery}',
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: sub(`s3://\${ReportsBucket}/${ATHENA_RESULTS_PREFIX}`),
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    },
  },
};

/**
 * What a role running lake queries in the workgroup needs, the runner's and the books': the
 * workgroup's queries, the lake's Glue table, the lake bucket's location (Athena reads the objects
 * with the caller's permissions), and the workgroup's results in the reports bucket.
 */
export const queryLakeInWorkgroup = [
  queryInWorkgroup('AthenaWorkGroup'),
  {
    Sid: 'ReadLakeTable',
    Effect: 'Allow',
    Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
    Resource: [
      glueArn('catalog'),
      glueArn('database/${param:glueDatabaseName}'),
      glueArn('table/${param:glueDatabaseName}/${param:glueTableName}'),
    ],
  },
];

export const locateLake = {
  Sid: 'LocateLake',
  Effect: 'Allow',
  Action: ['s3:GetBucketLocation'],
  Resource: '${param:ingestBucketArn}',
};

export const athenaResults = [
  {
    Sid: 'LocateReports',
    Effect: 'Allow',
    Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
    Resource: arn('ReportsBucket'),
  },
  athenaQueryResults('ReportsBucket', ATHENA_RESULTS_PREFIX),
];
