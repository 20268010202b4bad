import { alarm, deadLetterQueueAlarm, functionAlarms, ref } from '@pipeline/shared/serverless';

export const alarms = {
  OnFailureQueueAlarm: deadLetterQueueAlarm(
    'OnFailureQueue',
    'msk-consumer gave up on Kafka batches: re-read them from the offsets in the messages',
    'msk-consumer-onfailurequeuealarm',
  ),
  // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html: OffsetLag, for
  // Kafka event sources, is the difference in offset between the last record written to the
  // topic and the last record the function's consumer group processed, reported by the
  // function's FunctionName (https://aws.amazon.com/blogs/compute/offset-lag-metric-for-amazon-msk-as-an-event-source-for-lambda/).
  // A count of records, not a time: set alarmOffsetLag from the topic's normal volume.
  OffsetLagAlarm: {
    Condition: 'HasMskCluster',
    ...alarm({
      runbook: 'msk-consumer-offsetlagalarm',
      description: 'msk-consumer falls behind the Kafka topic: records wait in Kafka, not yet in the hub',
      namespace: 'AWS/Lambda',
      metricName: 'OffsetLag',
      dimensions: { FunctionName: ref('ConsumerLambdaFunction') },
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: '${param:alarmOffsetLag}',
      evaluationPeriods: 3,
    }),
  },
  ...functionAlarms('Consumer', 'msk-consumer'),
};
