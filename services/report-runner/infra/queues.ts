import { arn, encryptedQueue, ref } from '@pipeline/shared/serverless';
import { lakeObjectCreatedPattern, QUEUE_VISIBILITY_TIMEOUT_SECONDS } from '../src/trigger';
import { BOOKS_SCHEDULE_RULE } from './functions/books';
import { RUNNER_SCHEDULE_RULE } from './functions/runner';

/** Lake objects, re-run requests and scheduled runs that kept failing. */
export const deadLetterQueueResources = {
  DeadLetterQueue: encryptedQueue({ QueueName: '${self:service}-${sls:stage}-dlq' }),
};

/** The runner's queue, fed by EventBridge with the ingest bucket's new lake objects. */
export const runQueueResources = {
  RunQueue: encryptedQueue({
    QueueName: '${self:service}-${sls:stage}-runs',
    MessageRetentionPeriod: 345600,
    VisibilityTimeout: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    RedrivePolicy: {
      deadLetterTargetArn: arn('DeadLetterQueue'),
      maxReceiveCount: '${param:maxReceiveCount}',
    },
  }),
  // EventBridge may send to the queue (and to the DLQ when delivery keeps failing), only for this rule.
  QueuesPolicy: {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [ref('RunQueue'), ref('DeadLetterQueue')],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EventBridgeDelivers',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: [arn('RunQueue'), arn('DeadLetterQueue')],
            Condition: {
              ArnEquals: {
                'aws:SourceArn': [
                  arn('IngestObjectCreatedRule'),
                  arn(RUNNER_SCHEDULE_RULE),
                  arn(BOOKS_SCHEDULE_RULE),
                ],
              },
            },
          },
        ],
      },
    },
  },
  IngestObjectCreatedRule: {
    Type: 'AWS::Events::Rule',
    Properties: {
      Description: 'New lake objects under raw/ in the ingest bucket, queued for the report runner',
      State: 'ENABLED',
      // The bucket through a template parameter, never a dynamic reference in this JSON
      // property (custom.templateParameters; stage-parameters.ts templateParameterFor).
      EventPattern: lakeObjectCreatedPattern(ref('IngestBucketName')),
      Targets: [
        {
          Id: 'report-runner-queue',
          Arn: arn('RunQueue'),
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: arn('DeadLetterQueue') },
        },
      ],
    },
  },
};
