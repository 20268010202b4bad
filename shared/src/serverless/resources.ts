/**
 * CloudFormation building blocks with the security baseline every bucket and queue of the pipeline
 * shares, so "encrypted, private, TLS-only" is written once.
 */
import { denyInsecureTransport } from './iam';
import { arn, ref } from './intrinsics';

type Cfn = Record<string, unknown>;
/** A CloudFormation resource: a `Type` plus whatever its specification allows. */
export type CfnResource = { Type: string } & Cfn;

export interface BucketOptions {
  lifecycleRules: Cfn[];
  /** Emit `Object Created` events to EventBridge (the ingest bucket feeds report-runner this way). */
  eventBridge?: boolean;
}

/** A private, encrypted S3 bucket whose data outlives the stack (DeletionPolicy Retain). */
export const secureBucket = ({ lifecycleRules, eventBridge = false }: BucketOptions): CfnResource => ({
  Type: 'AWS::S3::Bucket',
  DeletionPolicy: 'Retain',
  UpdateReplacePolicy: 'Retain',
  Properties: {
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
      ],
    },
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    LifecycleConfiguration: {
      Rules: [
        ...lifecycleRules,
        {
          Id: 'abort-incomplete-uploads',
          Status: 'Enabled',
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ],
    },
    ...(eventBridge
      ? { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } }
      : {}),
  },
});

/** Denies every request that does not use TLS, as AWS Security Hub control S3.5 asks. */
export const tlsOnlyBucketPolicy = (bucketLogicalId: string): CfnResource => ({
  Type: 'AWS::S3::BucketPolicy',
  Properties: {
    Bucket: ref(bucketLogicalId),
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        denyInsecureTransport('s3:*', [
          arn(bucketLogicalId),
          { 'Fn::Join': ['', [arn(bucketLogicalId), '/*']] },
        ]),
      ],
    },
  },
});

/** An SQS queue encrypted with SQS-managed keys (SSE-SQS), kept 14 days: the maximum, for DLQs. */
export const encryptedQueue = (properties: Cfn = {}): CfnResource => ({
  Type: 'AWS::SQS::Queue',
  Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600, ...properties },
});

/** A log group with the pipeline's retention, for non-Lambda resources (Firehose, IoT errors). */
export const logGroup = (name: unknown, retentionInDays: unknown): CfnResource => ({
  Type: 'AWS::Logs::LogGroup',
  Properties: { LogGroupName: name, RetentionInDays: retentionInDays },
});
