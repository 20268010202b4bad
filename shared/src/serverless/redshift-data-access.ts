/** IAM statements of a role that runs warehouse statements through the Redshift Data API. */
import { sub } from './intrinsics';

/**
 * DescribeStatement, GetStatementResult and CancelStatement take no resource ARN: the condition
 * limits them to the statements this role started.
 * https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html
 */
export const followOwnStatements = {
  Sid: 'FollowOwnStatements',
  Effect: 'Allow',
  Action: [
    'redshift-data:DescribeStatement',
    'redshift-data:GetStatementResult',
    'redshift-data:CancelStatement',
  ],
  Resource: '*',
  Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': sub('${!aws:userid}') } },
};
