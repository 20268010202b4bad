import { METRIC } from '@pipeline/shared';
import {
  alarm,
  deadLetterQueueAlarm,
  functionAlarms,
  pipelineMetric,
  ref,
} from '@pipeline/shared/serverless';

/** The sink's alarms, each linking its runbook section (docs/OPERATIONS.md#<service>-<alarm id>). */
export const alarmResources = (service: string) => {
  const runbook = (id: string) => `${service}-${id.toLowerCase()}`;
  return {
    SinkFailureQueueAlarm: deadLetterQueueAlarm(
      'SinkFailureQueue',
      'analytics-sink gave up on hub batches: their windows are missing from the warehouse',
      runbook('SinkFailureQueueAlarm'),
    ),
    // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (IteratorAge)
    SinkIteratorAgeAlarm: alarm({
      runbook: runbook('SinkIteratorAgeAlarm'),
      description: 'analytics-sink falls behind the hub: real-time windows are late',
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensions: { FunctionName: ref('SinkLambdaFunction') },
      statistic: 'Maximum',
      comparison: 'GreaterThanThreshold',
      threshold: '${param:alarmIteratorAgeMilliseconds}',
      evaluationPeriods: 2,
    }),
    // The sink's own count of window segments it could not write (warehouse or alert topic down):
    // the invocation fails and Lambda retries, so late windows come before lost ones.
    SegmentWriteFailuresAlarm: alarm({
      runbook: runbook('SegmentWriteFailuresAlarm'),
      description: 'analytics-sink cannot write window segments to the warehouse or publish their alerts',
      ...pipelineMetric(service, METRIC.SegmentWriteFailures),
      statistic: 'Sum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    }),
    ...functionAlarms('Sink', 'analytics-sink'),
  };
};
