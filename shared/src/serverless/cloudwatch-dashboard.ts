/**
 * The stage's CloudWatch dashboard (`pipeline-<stage>`): one page with what the alarms watch, from
 * the hub to the reports. Custom metrics come from the one list the handlers publish through
 * (runtime/metric-names.ts); AWS metrics from the pages cited next to each widget. Other services'
 * resources are named by their deterministic names (osls names a function `<service>-<stage>-<name>`),
 * so the dashboard lives in ingest-transform without cross-stack references.
 * Body format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
import { METRIC, type MetricService, type PipelineMetricName } from '../contracts/metric-names';
import { DROP_REASONS, REJECTION_REASONS } from '../telemetry/rejection';
import { METRICS_NAMESPACE } from './provider';

/** One line of a metric widget: namespace, name, dimension name/value pairs, then options. */
type MetricLine = (string | Record<string, unknown>)[];

const stage = '${sls:stage}';
const fn = (service: string, name: string) => `${service}-${stage}-${name}`;

const custom = <S extends MetricService>(
  service: S,
  name: PipelineMetricName<S>,
  options: Record<string, unknown> = {},
  reason?: string,
): MetricLine => [
  METRICS_NAMESPACE,
  name,
  'service',
  service,
  ...(reason === undefined ? [] : ['reason', reason]),
  { stat: 'Sum', ...options },
];

const aws = (
  namespace: string,
  name: string,
  dimensions: Record<string, string>,
  options: Record<string, unknown>,
): MetricLine => [namespace, name, ...Object.entries(dimensions).flat(), options];

const widget = (title: string, metrics: MetricLine[], extra: Record<string, unknown> = {}, width = 12) => ({
  type: 'metric',
  width,
  height: 6,
  properties: { title, region: '${AWS::Region}', period: 300, view: 'timeSeries', metrics, ...extra },
});

const FUNCTIONS = {
  transform: '${TransformLambdaFunction}',
  consumer: fn('msk-consumer', 'consumer'),
  sink: fn('analytics-sink', 'sink'),
  runner: fn('report-runner', 'runner'),
  books: fn('report-runner', 'books'),
};

/** The widgets, in reading order (CloudWatch lays them out left to right, top to bottom). */
export const dashboardWidgets = () => [
  // https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
  widget('Hub throughput and iterator age', [
    aws('AWS/Kinesis', 'IncomingRecords', { StreamName: '${HubStream}' }, { stat: 'Sum' }),
    aws('AWS/Kinesis', 'GetRecords.Records', { StreamName: '${HubStream}' }, { stat: 'Sum' }),
    aws(
      'AWS/Kinesis',
      'GetRecords.IteratorAgeMilliseconds',
      { StreamName: '${HubStream}' },
      { stat: 'Maximum', yAxis: 'right' },
    ),
  ]),
  // https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
  widget('Firehose delivery freshness and success', [
    aws(
      'AWS/Firehose',
      'DeliveryToS3.DataFreshness',
      { DeliveryStreamName: '${DeliveryStream}' },
      { stat: 'Maximum' },
    ),
    aws(
      'AWS/Firehose',
      'DeliveryToS3.Success',
      { DeliveryStreamName: '${DeliveryStream}' },
      { stat: 'Minimum', yAxis: 'right' },
    ),
    aws(
      'AWS/Firehose',
      'ExecuteProcessing.Success',
      { DeliveryStreamName: '${DeliveryStream}' },
      { stat: 'Minimum', yAxis: 'right' },
    ),
  ]),
  widget(
    'Transform outcomes by reason',
    [
      custom('ingest-transform', METRIC.RecordsOk),
      ...REJECTION_REASONS.map((reason) => custom('ingest-transform', METRIC.RecordsFailed, {}, reason)),
      ...DROP_REASONS.map((reason) => custom('ingest-transform', METRIC.RecordsDropped, {}, reason)),
      custom('ingest-transform', METRIC.RecordsUnregistered),
    ],
    { stacked: true },
  ),
  widget('Report runs and DLQ depth', [
    custom('report-runner', METRIC.ReportRuns),
    custom('report-runner', METRIC.PartitionRunsFailed),
    aws(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: `report-runner-${stage}-dlq` },
      { stat: 'Maximum', yAxis: 'right' },
    ),
    aws(
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      { QueueName: `analytics-sink-${stage}-sink-failures` },
      { stat: 'Maximum', yAxis: 'right' },
    ),
  ]),
  widget('Real-time windows and alerts', [
    custom('analytics-sink', METRIC.WindowRowsWritten),
    custom('analytics-sink', METRIC.AlertsPublished),
    custom('analytics-sink', METRIC.SegmentWriteFailures),
    aws('AWS/Lambda', 'IteratorAge', { FunctionName: FUNCTIONS.sink }, { stat: 'Maximum', yAxis: 'right' }),
  ]),
  // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (OffsetLag)
  widget('MSK lag and forwarding', [
    aws('AWS/Lambda', 'OffsetLag', { FunctionName: FUNCTIONS.consumer }, { stat: 'Maximum', yAxis: 'right' }),
    custom('msk-consumer', METRIC.RecordsForwarded),
    custom('msk-consumer', METRIC.RecordsQuarantined),
  ]),
  // The hourly books (report-runner's books function): records no hop accounts for, per hour.
  widget('Books drift (hourly reconciliation)', [
    custom('report-runner', METRIC.BooksDrift, { stat: 'Maximum', period: 3600 }),
  ]),
  widget(
    'Function errors and throttles',
    Object.values(FUNCTIONS).flatMap((name) => [
      aws('AWS/Lambda', 'Errors', { FunctionName: name }, { stat: 'Sum' }),
      aws('AWS/Lambda', 'Throttles', { FunctionName: name }, { stat: 'Sum' }),
    ]),
    {},
    24,
  ),
];

/** An `AWS::CloudWatch::Dashboard` named `pipeline-<stage>`; its body is an `Fn::Sub` of the widgets' JSON. */
export const pipelineDashboard = () => ({
  Type: 'AWS::CloudWatch::Dashboard',
  Properties: {
    DashboardName: `pipeline-${stage}`,
    DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets: dashboardWidgets() }) },
  },
});

/** The metrics a dashboard body (JSON) draws: namespace, name and dimensions. */
export const dashboardBodyMetrics = (body: string) =>
  (JSON.parse(body) as { widgets: { properties?: { metrics?: MetricLine[] } }[] }).widgets.flatMap(
    ({ properties }) =>
      (properties?.metrics ?? []).map((line) => {
        const parts = line.filter((part): part is string => typeof part === 'string');
        const [namespace = '', name = '', ...pairs] = parts;
        const dimensions: Record<string, string> = {};
        for (let index = 0; index + 1 < pairs.length; index += 2)
          dimensions[pairs[index]!] = pairs[index + 1]!;
        return { namespace, name, dimensions };
      }),
  );
