import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { awsStageSources } from '@pipeline/report-runner/adapters';
import type { StageResources, StageSources } from '@pipeline/shared/books';
import { requireOutput, stackOutputs } from '../smoke/aws';

/**
 * A deployed stage's books sources, named by its stacks' outputs (`<service>-<stage>`): the same
 * adapters the hourly books function uses (report-runner/src/books.ts).
 * The operator needs `cloudformation:DescribeStacks`, `cloudwatch:GetMetricData`, Athena and Glue
 * read access in report-runner's workgroup, and `s3:ListBucket`/`s3:GetObject` on `raw/`,
 * `errors/` and `reports/`.
 */
export const awsBooksTarget = async (
  stage: string,
  region: string | undefined,
): Promise<{ name: string; sources: StageSources; resources: StageResources }> => {
  const config = region ? { region } : {};
  const cloudFormation = new CloudFormationClient(config);
  const ingestStack = `ingest-transform-${stage}`;
  const reportStack = `report-runner-${stage}`;
  const ingest = await stackOutputs(cloudFormation, ingestStack);
  const reports = await stackOutputs(cloudFormation, reportStack);
  return {
    name: `stage ${stage}${region ? ` in ${region}` : ''}`,
    sources: awsStageSources(
      {
        cloudWatch: new CloudWatchClient(config),
        athena: new AthenaClient(config),
        s3: new S3Client(config),
      },
      {
        ingestBucket: requireOutput(ingest, ingestStack, 'IngestBucketName'),
        reportsBucket: requireOutput(reports, reportStack, 'ReportsBucketName'),
        workGroup: requireOutput(reports, reportStack, 'AthenaWorkGroupName'),
        database: requireOutput(ingest, ingestStack, 'GlueDatabaseName'),
        table: requireOutput(ingest, ingestStack, 'GlueTableName'),
      },
    ),
    resources: {
      hubStreamName: requireOutput(ingest, ingestStack, 'HubStreamName'),
      deliveryStreamName: requireOutput(ingest, ingestStack, 'DeliveryStreamName'),
    },
  };
};
