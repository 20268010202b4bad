/** The CloudWatch namespace every service publishes its metrics to. */
export const METRICS_NAMESPACE = 'IngestionPipeline';

/**
 * Every custom CloudWatch metric the pipeline's functions publish (namespace `IngestionPipeline`,
 * dimension `service`), by service. The handlers name metrics only through {@link METRIC}, and the
 * alarms and the CloudWatch dashboard read this list, so a renamed metric cannot leave an alarm
 * watching nothing (shared/tests/metric-names.test.ts greps the handlers).
 *
 * - `total`: one value per invocation under [service].
 * - `byReason`: published by `countByReason` under [service, reason] and, as the total over every
 *   reason, under [service].
 */
export const PIPELINE_METRICS = {
  'ingest-transform': {
    RecordsOk: 'total',
    RecordsUnregistered: 'total',
    RegistryUnavailable: 'total',
    RecordsDropped: 'byReason',
    RecordsFailed: 'byReason',
  },
  'msk-consumer': {
    RecordsReceived: 'total',
    RecordsForwarded: 'total',
    HubRetries: 'total',
    RecordsQuarantined: 'byReason',
    RecordsSkipped: 'byReason',
    RecordsDropped: 'byReason',
  },
  'analytics-sink': {
    RecordsCounted: 'total',
    RecordsDuplicate: 'total',
    RecordsUnverified: 'total',
    WindowStateBytes: 'total',
    WindowRowsWritten: 'total',
    AlertsPublished: 'total',
    AlertsAlreadySent: 'total',
    RegistryUnavailable: 'total',
    SegmentWriteFailures: 'total',
    RecordsRejected: 'byReason',
    RecordsDropped: 'byReason',
    SegmentsWritten: 'byReason',
    WindowStateDiscarded: 'byReason',
  },
  'report-runner': {
    ReportRuns: 'total',
    ReportRows: 'total',
    BytesScanned: 'total',
    DashboardsPublished: 'total',
    DashboardPublishFailures: 'total',
    PartitionRunsFailed: 'total',
    MessagesRejected: 'byReason',
    // Records no hop of the hourly books accounts for (report-runner's books function).
    BooksDrift: 'total',
  },
} as const satisfies Record<string, Record<string, 'total' | 'byReason'>>;

/** A service that publishes custom metrics. */
export type MetricService = keyof typeof PIPELINE_METRICS;

/** The name of a custom metric of `S` (any service by default). */
export type PipelineMetricName<S extends MetricService = MetricService> = S extends MetricService
  ? keyof (typeof PIPELINE_METRICS)[S] & string
  : never;

/** Each metric name as a constant: `metrics.addMetric(METRIC.RecordsOk, ...)`. */
export const METRIC = Object.fromEntries(
  Object.values(PIPELINE_METRICS).flatMap((metrics) => Object.keys(metrics).map((name) => [name, name])),
) as { readonly [Name in PipelineMetricName]: Name };

/** Whether `service` publishes `name`, and how. */
export const metricKind = (service: string, name: string): 'total' | 'byReason' | undefined =>
  (PIPELINE_METRICS as Record<string, Record<string, 'total' | 'byReason'> | undefined>)[service]?.[name];
