/**
 * The one place where an IAM statement may grant an action on an unscoped resource (`*`, or every
 * resource of a type such as `key/*`). Each entry is an action AWS gives no narrower resource
 * for, with the AWS page that says so. The infrastructure audit fails on any other action granted
 * on such a resource, on an entry no service uses any more, and on a statement that lacks the
 * condition keys an entry requires.
 */
export interface ResourceWildcardAllowance {
  /** Why the action cannot be scoped to a named resource. */
  reason: string;
  /** The AWS documentation stating it. */
  docs: string;
  /** Condition keys the statement must carry so that the grant is narrowed after all. */
  requiredConditionKeys?: string[];
}

const LAMBDA_ENI = {
  reason:
    'Lambda creates, describes and deletes the network interfaces of a VPC function or of an MSK ' +
    'event source mapping itself; their ids do not exist before, Describe* actions support no ' +
    'resource-level permissions, and Lambda validates the role\'s grant against "*" (as the ' +
    'AWSLambdaVPCAccessExecutionRole and AWSLambdaMSKExecutionRole managed policies grant it).',
  docs: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions',
};

const LAMBDA_MSK_ENI = {
  ...LAMBDA_ENI,
  docs: 'https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html',
};

// https://docs.aws.amazon.com/redshift/latest/mgmt/data-api-access.html: these Data API actions
// take no resource; the statement-owner condition limits them to the caller's own statements.
const REDSHIFT_DATA_OWN_STATEMENTS = {
  reason:
    'Redshift Data API statement actions have no resource type; the condition limits them to ' +
    'statements started by the same IAM identity.',
  docs: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftdataapi.html',
  requiredConditionKeys: ['redshift-data:statement-owner-iam-userid'],
};

/** Actions allowed on an unscoped resource, keyed by IAM action. */
export const RESOURCE_WILDCARD_ALLOWANCES: Readonly<Record<string, ResourceWildcardAllowance>> = {
  'ec2:CreateNetworkInterface': LAMBDA_MSK_ENI,
  'ec2:DescribeNetworkInterfaces': LAMBDA_MSK_ENI,
  'ec2:DescribeVpcs': LAMBDA_MSK_ENI,
  'ec2:DescribeSubnets': LAMBDA_MSK_ENI,
  'ec2:DescribeSecurityGroups': LAMBDA_MSK_ENI,
  'ec2:DeleteNetworkInterface': LAMBDA_MSK_ENI,
  'ec2:AssignPrivateIpAddresses': LAMBDA_ENI,
  'ec2:UnassignPrivateIpAddresses': LAMBDA_ENI,
  'redshift-data:DescribeStatement': REDSHIFT_DATA_OWN_STATEMENTS,
  'redshift-data:GetStatementResult': REDSHIFT_DATA_OWN_STATEMENTS,
  'redshift-data:CancelStatement': REDSHIFT_DATA_OWN_STATEMENTS,
  'cloudwatch:GetMetricData': {
    reason:
      'GetMetricData has no resource type and no condition key that narrows it (the namespace key ' +
      "applies to PutMetricData only): report-runner's books function reads the stage's metrics with it.",
    docs: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html',
  },
  'kms:Decrypt': {
    reason:
      'MSK SASL/SCRAM secrets must be encrypted with a customer managed key the deployer picks, ' +
      'which the stack does not know; the conditions limit decryption to Secrets Manager acting ' +
      'for the one SCRAM secret.',
    docs: 'https://docs.aws.amazon.com/msk/latest/developerguide/msk-password-tutorial.html',
    requiredConditionKeys: ['kms:ViaService', 'kms:EncryptionContext:SecretARN'],
  },
};
