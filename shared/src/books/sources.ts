import {
  METRIC,
  METRICS_NAMESPACE,
  type MetricService,
  type PipelineMetricName,
} from '../contracts/metric-names';
import type { PartitionKeys } from '../telemetry/partition';
import { addCount, totalOf } from './accounts';
import type { BooksRange, QuarantineTally, StageCounts } from './stage';

/** One CloudWatch metric: namespace, name and the exact dimensions of one of its dimension sets. */
export interface MetricSpec {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** What the books read from CloudWatch (GetMetricData in AWS, the local cloud's recorder locally). */
export interface StageMetrics {
  /** The sum of each metric over the range (0 for a metric without data). */
  sums(metrics: readonly MetricSpec[], range: BooksRange): Promise<number[]>;
  /** A metric's sums over the range by the values of one more dimension (`reason`). */
  byDimension(metric: MetricSpec, dimension: string, range: BooksRange): Promise<Record<string, number>>;
}

/** Lake rows whose `ingest_time` is in the range, by path, and the hour partitions holding them. */
export interface LakeRowCounts {
  count(range: BooksRange): Promise<StageCounts['lake']>;
}

/**
 * The error prefix's records that arrived in the range. The first adapter reads the objects under
 * `errors/` as the smoke test does; a SQL table over the quarantine can replace it.
 */
export interface QuarantineCounts {
  count(range: BooksRange): Promise<QuarantineTally>;
}

/** The reports missing for hour partitions (`<report> dt=.../hour=...`), by their run manifests. */
export interface ReportManifests {
  missing(partitions: readonly PartitionKeys[]): Promise<string[]>;
}

export interface StageSources {
  metrics: StageMetrics;
  lake: LakeRowCounts;
  quarantine: QuarantineCounts;
  reports: ReportManifests;
}

/** The names AWS's own metrics are kept under: the hub stream and the delivery stream. */
export interface StageResources {
  hubStreamName: string;
  deliveryStreamName: string;
}

const pipeline = <S extends MetricService>(service: S, name: PipelineMetricName<S>): MetricSpec => ({
  namespace: METRICS_NAMESPACE,
  name,
  dimensions: { service },
});

// IncomingRecords: "The number of records successfully put to the Kinesis stream", dimension StreamName.
// https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
export const hubIncomingRecords = (streamName: string): MetricSpec => ({
  namespace: 'AWS/Kinesis',
  name: 'IncomingRecords',
  dimensions: { StreamName: streamName },
});

// Data ingestion through Kinesis Data Streams (DataReadFromKinesisStream.Records) and data delivery
// to S3 (DeliveryToS3.Records), dimension DeliveryStreamName.
// https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
export const firehoseMetric = (
  deliveryStreamName: string,
  name: 'DataReadFromKinesisStream.Records' | 'DeliveryToS3.Records',
): MetricSpec => ({
  namespace: 'AWS/Firehose',
  name,
  dimensions: { DeliveryStreamName: deliveryStreamName },
});

/**
 * A by-reason metric's reasons, published under [service, reason]; its total under [service]
 * (countByReason) is the authority, so a reason the breakdown missed is still counted.
 */
const byReason = async (
  metrics: StageMetrics,
  spec: MetricSpec,
  total: number,
  range: BooksRange,
): Promise<Record<string, number>> => {
  const reasons = await metrics.byDimension(spec, 'reason', range);
  addCount(reasons, 'unattributed', total - totalOf(reasons));
  return reasons;
};

/** Reads every count the books need for the range, from the stage's metrics, lake, error prefix and reports. */
export const collectStageCounts = async (
  sources: StageSources,
  resources: StageResources,
  range: BooksRange,
): Promise<StageCounts> => {
  const { metrics } = sources;
  const specs = {
    hubIncoming: hubIncomingRecords(resources.hubStreamName),
    readFromHub: firehoseMetric(resources.deliveryStreamName, 'DataReadFromKinesisStream.Records'),
    deliveredToS3: firehoseMetric(resources.deliveryStreamName, 'DeliveryToS3.Records'),
    transformOk: pipeline('ingest-transform', METRIC.RecordsOk),
    transformDropped: pipeline('ingest-transform', METRIC.RecordsDropped),
    transformFailed: pipeline('ingest-transform', METRIC.RecordsFailed),
    kafkaReceived: pipeline('msk-consumer', METRIC.RecordsReceived),
    kafkaForwarded: pipeline('msk-consumer', METRIC.RecordsForwarded),
    kafkaDropped: pipeline('msk-consumer', METRIC.RecordsDropped),
    kafkaSkipped: pipeline('msk-consumer', METRIC.RecordsSkipped),
    kafkaQuarantined: pipeline('msk-consumer', METRIC.RecordsQuarantined),
    realtimeCounted: pipeline('analytics-sink', METRIC.RecordsCounted),
    windowRows: pipeline('analytics-sink', METRIC.WindowRowsWritten),
    alerts: pipeline('analytics-sink', METRIC.AlertsPublished),
    reportRuns: pipeline('report-runner', METRIC.ReportRuns),
  };
  const names = Object.keys(specs) as (keyof typeof specs)[];
  const values = await metrics.sums(
    names.map((name) => specs[name]),
    range,
  );
  const sum = Object.fromEntries(names.map((name, index) => [name, values[index] ?? 0])) as Record<
    keyof typeof specs,
    number
  >;
  const kafkaDropped = await byReason(metrics, specs.kafkaDropped, sum.kafkaDropped, range);
  for (const [reason, count] of Object.entries(
    await byReason(metrics, specs.kafkaSkipped, sum.kafkaSkipped, range),
  ))
    addCount(kafkaDropped, reason, count);
  const lake = await sources.lake.count(range);
  return {
    hubIncoming: sum.hubIncoming,
    kafka: {
      received: sum.kafkaReceived,
      forwarded: sum.kafkaForwarded,
      dropped: kafkaDropped,
      quarantined: await byReason(metrics, specs.kafkaQuarantined, sum.kafkaQuarantined, range),
    },
    firehose: { readFromHub: sum.readFromHub, deliveredToS3: sum.deliveredToS3 },
    transform: {
      ok: sum.transformOk,
      dropped: await byReason(metrics, specs.transformDropped, sum.transformDropped, range),
      failed: await byReason(metrics, specs.transformFailed, sum.transformFailed, range),
    },
    lake,
    quarantine: await sources.quarantine.count(range),
    reports: { runs: sum.reportRuns, missing: await sources.reports.missing(lake.partitions) },
    realtime: { counted: sum.realtimeCounted, windowRows: sum.windowRows, alerts: sum.alerts },
  };
};
