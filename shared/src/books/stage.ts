import type { PartitionKeys } from '../telemetry/partition';
import { addCount, balanceProblems, totalOf, type SourceAccount, type SourceName } from './accounts';

/**
 * The books of a stage over a time range, from what the stage keeps anyway: CloudWatch metrics
 * (AWS's own for the hub and Firehose, the functions' EMF), the lake and the error prefix, the
 * report manifests. The same function reconciles a deployed stage (`npm run books`, the hourly
 * books function) and the local cloud, whose simulators publish the same metrics.
 */

/** `[fromMs, toMs)`, epoch milliseconds. */
export interface BooksRange {
  fromMs: number;
  toMs: number;
}

/** The error prefix's records of the range (by arrival in Firehose), whatever adapter reads them. */
export interface QuarantineTally {
  /** Every error record, by the source its bytes came from (a canonical `msk` record is Kafka's). */
  bySource: Record<SourceName, number>;
  /** Records of whole batches Firehose gave up on, by its error code (`Lambda.FunctionError`, ...). */
  batchFailures: Record<SourceName, Record<string, number>>;
  /** Records Parquet conversion refused (`errors/format-conversion-failed/`). */
  formatConversionFailed: number;
}

export interface StageCounts {
  /** `AWS/Kinesis` `IncomingRecords` of the hub: records put, by IoT, producers and msk-consumer. */
  hubIncoming: number;
  /** msk-consumer's metrics; zeros when the stage has no MSK cluster. */
  kafka: {
    received: number;
    forwarded: number;
    /** `RecordsDropped` and `RecordsSkipped` by reason. */
    dropped: Record<string, number>;
    quarantined: Record<string, number>;
  };
  firehose: {
    /** `AWS/Firehose` `DataReadFromKinesisStream.Records`. */
    readFromHub: number;
    /** `AWS/Firehose` `DeliveryToS3.Records`. */
    deliveredToS3: number;
  };
  /** ingest-transform's metrics: `RecordsOk`, `RecordsDropped` and `RecordsFailed` by reason. */
  transform: { ok: number; dropped: Record<string, number>; failed: Record<string, number> };
  /** Lake rows whose `ingest_time` is in the range, by path into the hub. */
  lake: { devices: number; kafka: number; partitions: PartitionKeys[] };
  quarantine: QuarantineTally;
  /** Report runs: those that ran in the range, and every report missing for a partition holding the range's rows. */
  reports: { runs: number; missing: string[] };
  /** analytics-sink's metrics. */
  realtime: { counted: number; windowRows: number; alerts: number };
}

/**
 * How far two counts of one hop may differ before the books call it a loss or a duplication.
 *
 * Each source counts a record at its own moment: the hub and the lake at arrival (`ingest_time`),
 * the transform when Firehose invokes it (up to the processor buffer interval later), Firehose's
 * delivery when the S3 buffer flushes. A record that arrives within `edgeLagSeconds` of either end
 * of the range can therefore fall on the other side of the boundary in the next hop, so a hop may
 * differ by the share of the range those two edges cover; `absolute` adds a fixed allowance for
 * at-least-once effects (a retried transform invocation publishes its counts twice).
 */
export interface BooksTolerance {
  edgeLagSeconds: number;
  absolute: number;
}

/** The local cloud's clocks agree: every hop is exact. */
export const EXACT: BooksTolerance = { edgeLagSeconds: 0, absolute: 0 };

export const allowedDifference = (expected: number, range: BooksRange, tolerance: BooksTolerance): number => {
  const rangeSeconds = Math.max(1, (range.toMs - range.fromMs) / 1000);
  const edgeShare = Math.min(1, (2 * tolerance.edgeLagSeconds) / rangeSeconds);
  return tolerance.absolute + Math.ceil(Math.abs(expected) * edgeShare);
};

/** One hop's two counts. `observed` may lie between `expected` and `upTo` when the hop allows a range. */
export interface HopCheck {
  /** The hop, as the books name it (`hub -> Firehose`). */
  hop: string;
  what: string;
  expected: number;
  observed: number;
  /** An upper bound, when the hop's count may be any value from `expected` to it. */
  upTo?: number;
  allowed: number;
  /** Records beyond the allowed difference: 0 when the hop balances. */
  drift: number;
}

const check = (
  hop: string,
  what: string,
  expected: number,
  observed: number,
  allowed: number,
  upTo?: number,
): HopCheck => {
  const below = expected - observed;
  const above = observed - (upTo ?? expected);
  const drift = Math.max(0, below - allowed, above - allowed);
  return { hop, what, expected, observed, ...(upTo === undefined ? {} : { upTo }), allowed, drift };
};

export interface StageBooks {
  range: BooksRange;
  sources: Record<SourceName, SourceAccount>;
  forwardedFromKafka: number;
  hops: HopCheck[];
  counts: StageCounts;
  /** Records no hop accounts for, summed over the hops (the `BooksDrift` metric): 0 when balanced. */
  drift: number;
  /** Each hop that loses or duplicates, in words; empty when the books balance. */
  problems: string[];
}

const describeHop = ({ hop, what, expected, observed, upTo, allowed }: HopCheck): string => {
  const bound = upTo === undefined ? `${expected}` : `${expected} to ${upTo}`;
  const verdict = observed < expected ? 'loses' : 'duplicates';
  return `${hop} ${verdict}: ${what} ${observed}, expected ${bound} (allowed difference ${allowed})`;
};

/**
 * Reconciles a stage's counts hop by hop. Per source, produced = delivered + dropped + failed as
 * in `npm start`'s books; then each hop's output against its input:
 *
 * - hub -> Firehose: records Firehose read from the hub against the hub's `IncomingRecords`;
 * - Firehose -> transform: the transform's outcomes (plus records of batches it never answered)
 *   against the records Firehose read;
 * - transform -> lake: lake rows against the transform's `Ok` records that Parquet conversion kept;
 * - transform -> error prefix: the error prefix's processing failures against `RecordsFailed`;
 * - Firehose -> S3: `DeliveryToS3.Records` covers the lake rows and at most the error records too
 *   (AWS's description, "records delivered to Amazon S3", does not say whether the error output
 *   counts, so both readings are accepted);
 * - Kafka -> msk-consumer: records received against forwarded + dropped + quarantined;
 * - lake -> reports: every report ran for every hour partition holding the range's rows.
 */
export const reconcileStage = (
  counts: StageCounts,
  range: BooksRange,
  tolerance: BooksTolerance,
): StageBooks => {
  const { kafka, transform, quarantine, lake, firehose } = counts;
  const allowed = (expected: number) => allowedDifference(expected, range, tolerance);

  // The transform's verdicts, then what Firehose adds: batches it gave up on, format conversion.
  const transformFailed = { ...transform.failed };
  for (const source of ['devices', 'kafka'] as const)
    for (const [code, records] of Object.entries(quarantine.batchFailures[source]))
      addCount(transformFailed, code, records);
  addCount(transformFailed, 'format_conversion_failed', quarantine.formatConversionFailed);

  // Records msk-consumer forwarded that the transform refused belong to Kafka's column, as in
  // npm start's books (the transform re-validates every record).
  const devicesFailed = { ...transformFailed };
  const kafkaFailed = { ...kafka.quarantined };
  const kafkaInFailedBatches = totalOf(quarantine.batchFailures.kafka);
  const kafkaRefused = quarantine.bySource.kafka - kafkaInFailedBatches;
  addCount(kafkaFailed, 'rejected_by_transform', kafkaRefused);
  addCount(devicesFailed, 'rejected_by_transform', -kafkaRefused);
  for (const [code, records] of Object.entries(quarantine.batchFailures.kafka)) {
    addCount(kafkaFailed, code, records);
    addCount(devicesFailed, code, -records);
  }

  const sources: Record<SourceName, SourceAccount> = {
    devices: {
      produced: counts.hubIncoming - kafka.forwarded,
      delivered: lake.devices,
      dropped: { ...transform.dropped },
      failed: devicesFailed,
    },
    kafka: {
      produced: kafka.received,
      delivered: lake.kafka,
      dropped: { ...kafka.dropped },
      failed: kafkaFailed,
    },
  };

  const batchRecords = totalOf(quarantine.batchFailures.devices) + totalOf(quarantine.batchFailures.kafka);
  const errorRecords = quarantine.bySource.devices + quarantine.bySource.kafka;
  const processingFailures = errorRecords - batchRecords - quarantine.formatConversionFailed;
  const lakeRows = lake.devices + lake.kafka;
  const transformOutcomes = transform.ok + totalOf(transform.dropped) + totalOf(transform.failed);
  const kafkaEnded = kafka.forwarded + totalOf(kafka.dropped) + totalOf(kafka.quarantined);
  const hops = [
    check(
      'Kafka -> msk-consumer',
      'records forwarded, dropped or quarantined',
      kafka.received,
      kafkaEnded,
      allowed(kafka.received),
    ),
    check(
      'hub -> Firehose',
      'records Firehose read from the hub',
      counts.hubIncoming,
      firehose.readFromHub,
      allowed(counts.hubIncoming),
    ),
    check(
      'Firehose -> transform',
      'records with a transform outcome',
      firehose.readFromHub,
      transformOutcomes + batchRecords,
      allowed(firehose.readFromHub),
    ),
    check(
      'transform -> lake',
      'lake rows',
      transform.ok - quarantine.formatConversionFailed,
      lakeRows,
      allowed(transform.ok),
    ),
    check(
      'transform -> error prefix',
      'processing failures in the error prefix',
      totalOf(transform.failed),
      processingFailures,
      allowed(totalOf(transform.failed)),
    ),
    check(
      'Firehose -> S3',
      'records Firehose delivered',
      lakeRows,
      firehose.deliveredToS3,
      allowed(lakeRows + errorRecords),
      lakeRows + errorRecords,
    ),
  ];
  const problems = [
    ...balanceProblems(sources).map((problem) => `books: ${problem}`),
    ...hops.filter((hop) => hop.drift > 0).map(describeHop),
    ...counts.reports.missing.map((missing) => `lake -> reports: no ${missing} run manifest`),
  ];
  // Unbalanced sources are already counted by the hop that lost or added the records.
  const drift = hops.reduce((sum, hop) => sum + hop.drift, 0) + counts.reports.missing.length;
  return { range, sources, forwardedFromKafka: kafka.forwarded, hops, counts, drift, problems };
};

/**
 * When a range may be reconciled: every record that arrived in it has passed every hop and every
 * count has been published. Firehose holds records up to its S3 buffer interval (at most 900 s,
 * https://docs.aws.amazon.com/firehose/latest/dev/buffering-configuration.html), the transform's
 * batches up to the processor's; AWS/Firehose metrics are published every minute or five
 * (https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html), and
 * the reports run after the objects land. A range ending at least `settleSeconds` ago is settled.
 */
export const BOOKS_SETTLE_SECONDS = 1800;

export const unsettledProblem = (range: BooksRange, nowMs: number, settleSeconds = BOOKS_SETTLE_SECONDS) =>
  range.toMs > nowMs - settleSeconds * 1000
    ? `the range ends ${Math.max(0, Math.round((nowMs - range.toMs) / 1000))} s ago: reconcile only ranges that ended at least ${settleSeconds} s ago (Firehose buffers, metric delays, report runs)`
    : undefined;

/** The previous complete UTC hour before `nowMs`'s hour: what the hourly books function reconciles. */
export const previousHour = (nowMs: number): BooksRange => {
  const hour = 3_600_000;
  const toMs = Math.floor(nowMs / hour) * hour;
  return { fromMs: toMs - hour, toMs };
};
