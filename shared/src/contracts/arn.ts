/**
 * The ARN shapes the pipeline accepts from its configuration, one pattern per resource type, so a
 * deployment parameter (checked when `sls package` runs) and the environment variable it becomes
 * (checked at cold start) are held to the same rule. Partition `aws`, `aws-cn`, `aws-us-gov`, ...
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
const PARTITION = 'arn:aws[a-z-]*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
const ACCOUNT = '\\d{12}';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const arnPattern = (service: string, resource: string, region = REGION, account = ACCOUNT) =>
  new RegExp(`^${PARTITION}:${service}:${region}:${account}:${resource}$`);

/** An ARN pattern and what it names, for messages. */
export interface ArnShape {
  pattern: RegExp;
  /** e.g. "a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)". */
  description: string;
}

export const ARN = {
  /** https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html */
  secret: {
    pattern: arnPattern('secretsmanager', 'secret:[A-Za-z0-9/_+=.@-]+'),
    description: 'a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  },
  /** Topic names: 1-256 letters, digits, `-` and `_` (`.fifo` for FIFO topics). https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html */
  snsTopic: {
    pattern: arnPattern('sns', '[A-Za-z0-9_-]{1,256}(?:\\.fifo)?'),
    description: 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)',
  },
  /** `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`: https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html */
  mskCluster: {
    pattern: arnPattern('kafka', 'cluster/[A-Za-z0-9-]{1,64}/[0-9a-f-]+-\\d+'),
    description: 'an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)',
  },
  /** Stream names: 1-128 of `a-zA-Z0-9_.-`. https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html */
  kinesisStream: {
    pattern: arnPattern('kinesis', 'stream/[A-Za-z0-9_.-]{1,128}'),
    description: 'a Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)',
  },
  /**
   * The workgroup id, not its name, ends the ARN (the pattern of `WorkgroupArn` in
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-bedrock-knowledgebase-redshiftserverlessconfiguration.html).
   */
  redshiftWorkgroup: {
    pattern: arnPattern('redshift-serverless', `workgroup/${UUID}`),
    description:
      'a Redshift Serverless workgroup ARN (arn:aws:redshift-serverless:<region>:<account>:workgroup/<workgroup id>)',
  },
  /** IAM is global: no region. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html */
  iamRole: {
    pattern: arnPattern('iam', 'role/[\\w+=,.@/-]+', ''),
    description: 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  },
  /**
   * A QuickSight user or group, in the account's identity region (which may differ from the
   * stage's): `arn:aws:quicksight:<region>:<account>:user/<namespace>/<name>` (or `group/`).
   * https://docs.aws.amazon.com/quicksight/latest/APIReference/API_ResourcePermission.html
   */
  quicksightPrincipal: {
    pattern: arnPattern('quicksight', '(?:user|group)/[A-Za-z0-9._-]{1,64}/[\\w+=,.@/-]+'),
    description:
      'a QuickSight user or group ARN (arn:aws:quicksight:<region>:<account>:user/<namespace>/<name>, or group/...)',
  },
  /** https://docs.aws.amazon.com/quicksight/latest/APIReference/API_VpcConnectionProperties.html */
  quicksightVpcConnection: {
    pattern: arnPattern('quicksight', 'vpcConnection/[\\w-]{1,1000}'),
    description: 'a QuickSight VPC connection ARN (arn:aws:quicksight:<region>:<account>:vpcConnection/<id>)',
  },
  /** S3 bucket ARNs carry neither region nor account. */
  s3Bucket: {
    pattern: arnPattern('s3', '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]', '', ''),
    description: 'an S3 bucket ARN (arn:aws:s3:::<bucket>)',
  },
} as const satisfies Record<string, ArnShape>;
