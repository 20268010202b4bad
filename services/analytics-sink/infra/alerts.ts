import { denyInsecureTransport, ref } from '@pipeline/shared/serverless';

/** The topic of real-time threshold alerts, TLS only. */
export const alertResources = {
  AlertTopic: {
    Type: 'AWS::SNS::Topic',
    Properties: {
      TopicName: '${self:service}-${sls:stage}-alerts',
      DisplayName: 'Pipeline real-time alerts',
      // The AWS-managed key: publishers in the account need no KMS grant of their own.
      KmsMasterKeyId: 'alias/aws/sns',
    },
  },
  AlertTopicPolicy: {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [ref('AlertTopic')],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [denyInsecureTransport('sns:Publish', ref('AlertTopic'))],
      },
    },
  },
};
