import { arn, ref } from '@pipeline/shared/serverless';

export const outputs = {
  ConsumerFunctionName: {
    Description: 'MSK consumer function',
    Value: ref('ConsumerLambdaFunction'),
  },
  OnFailureQueueArn: {
    Description: "The mapping's on-failure destination",
    Value: arn('OnFailureQueue'),
  },
  OnFailureQueueUrl: {
    Description: "The mapping's on-failure destination",
    Value: ref('OnFailureQueue'),
  },
  QuarantineBucketName: {
    Description: 'Poison records under errors/msk/',
    Value: ref('QuarantineBucket'),
  },
  // report-runner reads it for the quarantine report (serverless-compose.yml).
  QuarantineBucketArn: {
    Description: 'Poison records under errors/msk/',
    Value: arn('QuarantineBucket'),
  },
};
