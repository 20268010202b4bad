import {
  arn,
  assumedBy,
  followOwnStatements,
  ifThen,
  inlinePolicy,
  ref,
  sub,
} from '@pipeline/shared/serverless';
import { REPORTS_PREFIX } from './storage';

/** The runner's policies to load the warehouse of the stage, one per kind of warehouse. */
export const runnerWarehousePolicies = [
  ifThen(
    'UsesServerless',
    inlinePolicy('warehouse-serverless', [
      {
        Sid: 'RunStatements',
        Effect: 'Allow',
        Action: [
          'redshift-data:ExecuteStatement',
          'redshift-data:BatchExecuteStatement',
          'redshift-serverless:GetCredentials',
        ],
        Resource: ifThen(
          'CreateWarehouse',
          { 'Fn::GetAtt': ['RedshiftWorkgroup', 'Workgroup.WorkgroupArn'] },
          '${param:redshiftWorkgroupArn}',
        ),
      },
      followOwnStatements,
    ]),
  ),
  ifThen(
    'HasWarehouseUrlSecret',
    inlinePolicy('warehouse-url-secret', [
      {
        Sid: 'ReadWarehouseUrlSecret',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: '${param:warehouseUrlSecretArn}',
      },
    ]),
  ),
  ifThen(
    'ExistingCluster',
    inlinePolicy('warehouse-cluster', [
      {
        Sid: 'RunStatements',
        Effect: 'Allow',
        Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
        Resource: sub(
          'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:${param:redshiftClusterIdentifier}',
        ),
      },
      followOwnStatements,
      ifThen('HasClusterDbUser', {
        Sid: 'TemporaryCredentials',
        Effect: 'Allow',
        Action: ['redshift:GetClusterCredentials'],
        Resource: [
          sub(
            'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbuser:${param:redshiftClusterIdentifier}/${param:redshiftDbUser}',
          ),
          sub(
            'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:dbname:${param:redshiftClusterIdentifier}/${param:redshiftDatabase}',
          ),
        ],
      }),
      ifThen('HasClusterSecret', {
        Sid: 'ReadCredentialsSecret',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: '${param:redshiftSecretArn}',
      }),
    ]),
  ),
];

/** With warehouse=create-serverless: a Redshift Serverless warehouse and the role its COPY uses. */
export const warehouseResources = {
  RedshiftCopyRole: {
    Type: 'AWS::IAM::Role',
    Condition: 'CreateWarehouse',
    Properties: {
      Description: 'Redshift Serverless: COPY report outputs from the reports bucket',
      AssumeRolePolicyDocument: assumedBy(['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com']),
      Policies: [
        inlinePolicy('copy-reports', [
          {
            Sid: 'ListReports',
            Effect: 'Allow',
            Action: ['s3:ListBucket', 's3:GetBucketLocation'],
            Resource: arn('ReportsBucket'),
          },
          {
            Sid: 'ReadReports',
            Effect: 'Allow',
            Action: ['s3:GetObject'],
            Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
          },
        ]),
      ],
    },
  },
  RedshiftNamespace: {
    Type: 'AWS::RedshiftServerless::Namespace',
    Condition: 'CreateWarehouse',
    // The warehouse's data outlives the stack.
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      NamespaceName: '${self:service}-${sls:stage}',
      DbName: '${param:redshiftDatabase}',
      AdminUsername: 'admin',
      // The admin password lives in Secrets Manager, generated and rotated by Redshift.
      ManageAdminPassword: true,
      IamRoles: [arn('RedshiftCopyRole')],
      DefaultIamRoleArn: arn('RedshiftCopyRole'),
    },
  },
  RedshiftWorkgroup: {
    Type: 'AWS::RedshiftServerless::Workgroup',
    Condition: 'CreateWarehouse',
    Properties: {
      WorkgroupName: '${self:service}-${sls:stage}',
      NamespaceName: ref('RedshiftNamespace'),
      BaseCapacity: '${param:redshiftBaseCapacity}',
      PubliclyAccessible: false,
    },
  },
};
