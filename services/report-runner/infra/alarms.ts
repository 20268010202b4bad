import { METRIC } from '@pipeline/shared';
import { alarm, deadLetterQueueAlarm, functionAlarms, pipelineMetric } from '@pipeline/shared/serverless';

export const alarmResources = {
  DeadLetterQueueAlarm: deadLetterQueueAlarm(
    'DeadLetterQueue',
    'report-runner: lake objects, re-run requests or daily re-runs that kept failing',
    'report-runner-deadletterqueuealarm',
  ),
  ...functionAlarms('Runner', 'report-runner'),
  ...functionAlarms('Books', 'report-runner books'),
  // Published once an hour by the books function: any record no hop accounts for.
  BooksDriftAlarm: alarm({
    description: 'report-runner books: records of the previous hour that no hop accounts for',
    runbook: 'report-runner-booksdriftalarm',
    ...pipelineMetric('report-runner', METRIC.BooksDrift),
    statistic: 'Maximum',
    period: 3600,
    comparison: 'GreaterThanThreshold',
    threshold: 0,
  }),
};
