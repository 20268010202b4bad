import { METRIC } from '@pipeline/shared';
import {
  alarm,
  alarmTopicResources,
  functionAlarms,
  mathAlarm,
  METRICS_NAMESPACE,
  ownTopicActions,
  pipelineDashboard,
  pipelineMetric,
  ref,
} from '@pipeline/shared/serverless';
import { service } from './service';

// This stack owns the stage's alarm topic: every alarm notifies it, and its runbook is
// docs/OPERATIONS.md#ingest-transform-<alarm id in lower case>.
const notify = (id: string) => ({ runbook: `${service}-${id.toLowerCase()}`, actions: ownTopicActions });

/** The hub's, Firehose's and the transform's alarms, the stage's alarm topic and its dashboard. */
export const alarms = {
  // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
  HubIteratorAgeAlarm: alarm({
    ...notify('HubIteratorAgeAlarm'),
    description: 'Hub readers (Firehose) fall behind: records approach the hub retention',
    namespace: 'AWS/Kinesis',
    metricName: 'GetRecords.IteratorAgeMilliseconds',
    dimensions: { StreamName: ref('HubStream') },
    statistic: 'Maximum',
    comparison: 'GreaterThanThreshold',
    threshold: '${param:alarmIteratorAgeMilliseconds}',
    evaluationPeriods: 2,
  }),
  // https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
  DeliveryFreshnessAlarm: alarm({
    ...notify('DeliveryFreshnessAlarm'),
    description: 'Firehose holds records it has not delivered to the lake for too long',
    namespace: 'AWS/Firehose',
    metricName: 'DeliveryToS3.DataFreshness',
    dimensions: { DeliveryStreamName: ref('DeliveryStream') },
    statistic: 'Maximum',
    comparison: 'GreaterThanThreshold',
    threshold: '${param:alarmDataFreshnessSeconds}',
  }),
  DeliveryFailureAlarm: alarm({
    ...notify('DeliveryFailureAlarm'),
    description: 'Firehose S3 puts fail (ratio of successful puts below 1): delivery is retrying',
    namespace: 'AWS/Firehose',
    metricName: 'DeliveryToS3.Success',
    dimensions: { DeliveryStreamName: ref('DeliveryStream') },
    statistic: 'Minimum',
    comparison: 'LessThanThreshold',
    threshold: 1,
    evaluationPeriods: 2,
  }),
  ProcessingFailureAlarm: alarm({
    ...notify('ProcessingFailureAlarm'),
    description:
      'Transform invocations fail (errors, timeouts): after retries whole batches go to errors/processing-failed/',
    namespace: 'AWS/Firehose',
    metricName: 'ExecuteProcessing.Success',
    dimensions: { DeliveryStreamName: ref('DeliveryStream') },
    statistic: 'Minimum',
    comparison: 'LessThanThreshold',
    threshold: 1,
  }),
  HubSilenceAlarm: {
    Condition: 'WatchesHubSilence',
    ...alarm({
      ...notify('HubSilenceAlarm'),
      description: 'The hub takes in almost nothing: devices, gateways or msk-consumer have stopped sending',
      namespace: 'AWS/Kinesis',
      metricName: 'IncomingRecords',
      dimensions: { StreamName: ref('HubStream') },
      statistic: 'Sum',
      comparison: 'LessThanThreshold',
      threshold: '${param:alarmMinIncomingRecords}',
      evaluationPeriods: 3,
      treatMissingData: 'breaching',
    }),
  },
  // The transform's own EMF metric: 1 per batch transformed without a registry although one is
  // configured (cold start with an unreadable or invalid registry): records are delivered, but
  // un-enriched and flagged registered=false. A stale copy after a failed refresh only logs.
  RegistryUnavailableAlarm: alarm({
    ...notify('RegistryUnavailableAlarm'),
    description:
      'The transform has no device registry: records are delivered un-enriched, flagged registered=false',
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.RegistryUnavailable,
    dimensions: { service },
    statistic: 'Maximum',
    comparison: 'GreaterThanThreshold',
    threshold: 0,
  }),
  // The share of ProcessingFailed among the transform's outputs, from its own counts: Firehose's
  // ExecuteProcessing.Success stays 1 when the transform rejects every record, since the
  // invocation itself succeeds. RecordsFailed and RecordsDropped by [service] are the totals
  // over every reason (countByReason); FILL makes a period without rejections count as 0.
  RejectionRateAlarm: mathAlarm({
    ...notify('RejectionRateAlarm'),
    description: 'The transform rejects more than alarmRejectionPercent of the records it receives',
    inputs: {
      ok: { ...pipelineMetric(service, METRIC.RecordsOk), statistic: 'Sum' },
      failed: { ...pipelineMetric(service, METRIC.RecordsFailed), statistic: 'Sum' },
      dropped: { ...pipelineMetric(service, METRIC.RecordsDropped), statistic: 'Sum' },
    },
    expression: '100 * FILL(failed, 0) / (FILL(ok, 0) + FILL(failed, 0) + FILL(dropped, 0))',
    comparison: 'GreaterThanThreshold',
    threshold: '${param:alarmRejectionPercent}',
    evaluationPeriods: 2,
  }),
  ...functionAlarms('Transform', 'The Firehose transform', ownTopicActions),
  ...alarmTopicResources(),
  // The stage's CloudWatch dashboard, pipeline-<stage> (docs/OPERATIONS.md).
  Dashboard: pipelineDashboard(),
};
