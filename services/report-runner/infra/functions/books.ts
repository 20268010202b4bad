import { arn, ref } from '@pipeline/shared/serverless';
import { RUNNER_TIMEOUT_SECONDS } from '../../src/trigger';
import { scheduleTargetWithDeadLetter, type FunctionConfig } from './schedule';

/** The name osls gives the function (its log group is `/aws/lambda/<name>`). */
export const BOOKS_FUNCTION_NAME = '${self:service}-${sls:stage}-books';
// osls names the rule of the function's first schedule event so; extended below with a DLQ.
export const BOOKS_SCHEDULE_RULE = 'BooksEventsRuleSchedule1';

export const books: FunctionConfig = {
  handler: 'src/handlers/books.handler',
  description: 'Reconciles the previous hour hop by hop and publishes BooksDrift',
  role: 'BooksRole',
  timeout: RUNNER_TIMEOUT_SECONDS,
  environment: {
    HUB_STREAM_NAME: '${param:hubStreamName}',
    DELIVERY_STREAM_NAME: '${param:deliveryStreamName}',
    INGEST_BUCKET: '${param:ingestBucketName}',
    REPORTS_BUCKET: ref('ReportsBucket') as never,
    ATHENA_WORKGROUP: ref('AthenaWorkGroup') as never,
    GLUE_DATABASE: '${param:glueDatabaseName}',
    GLUE_TABLE: '${param:glueTableName}',
    BOOKS_EDGE_LAG_SECONDS: '${param:booksEdgeLagSeconds}',
    BOOKS_ABSOLUTE_TOLERANCE: '${param:booksAbsoluteTolerance}',
  },
  events: [
    {
      schedule: {
        rate: ['${param:booksSchedule}'],
        description: 'Reconciles the previous complete hour (the books)',
      },
    },
  ],
  // An asynchronous invocation: after its retries, the event lands in the DLQ (and its alarm).
  destinations: { onFailure: { type: 'sqs', arn: arn('DeadLetterQueue') as never } },
};

export const booksExtensions = {
  [BOOKS_SCHEDULE_RULE]: scheduleTargetWithDeadLetter('booksSchedule', 'BooksLambdaFunction'),
};
