/**
 * IAM statements of a role that runs queries in one of the stack's Athena workgroups (report-runner's
 * runner and books, QuickSight's Athena data source), so each grant is written once.
 */
import { sub } from './intrinsics';

/**
 * The ARN of a Glue Data Catalog resource of the stack's account and region: `catalog`,
 * `database/<database>` or `table/<database>/<table>`. Athena checks the catalog, the database and
 * the table of every table a query reads.
 * https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html
 */
export const glueArn = (resource: string) =>
  sub(`arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:${resource}`);

/** Options of {@link queryInWorkgroup}. */
export interface QueryInWorkgroupOptions {
  /**
   * The role is QuickSight's: its Athena connector also streams results and reads the workgroup's
   * settings (both granted by the AWSQuicksightAthenaAccess managed policy,
   * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSQuicksightAthenaAccess.html).
   */
  quickSight?: boolean;
}

/**
 * Start, follow, read and stop queries in the workgroup `workgroupLogicalId` of the stack, and no
 * other: query actions take the workgroup as their resource, named by its ARN.
 * https://docs.aws.amazon.com/athena/latest/ug/example-policies-workgroup.html
 */
export const queryInWorkgroup = (
  workgroupLogicalId: string,
  { quickSight = false }: QueryInWorkgroupOptions = {},
) => ({
  Sid: 'QueryInWorkgroup',
  Effect: 'Allow',
  Action: [
    'athena:StartQueryExecution',
    'athena:GetQueryExecution',
    'athena:GetQueryResults',
    ...(quickSight ? ['athena:GetQueryResultsStream'] : []),
    'athena:StopQueryExecution',
    ...(quickSight ? ['athena:GetWorkGroup'] : []),
  ],
  Resource: sub(
    `arn:\${AWS::Partition}:athena:\${AWS::Region}:\${AWS::AccountId}:workgroup/\${${workgroupLogicalId}}`,
  ),
});

/**
 * The workgroup's results under `prefix` of the bucket `bucketLogicalId`: Athena writes them (in
 * multipart uploads) and reads them back with the caller's permissions, so the caller needs these on
 * the results location. https://docs.aws.amazon.com/athena/latest/ug/s3-permissions.html
 */
export const athenaQueryResults = (bucketLogicalId: string, prefix: string) => ({
  Sid: 'AthenaResults',
  Effect: 'Allow',
  Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
  Resource: sub(`\${${bucketLogicalId}.Arn}/${prefix}*`),
});
