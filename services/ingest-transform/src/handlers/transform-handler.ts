import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import {
  KinesisFirehoseRecordSchema,
  KinesisFirehoseSchema,
} from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import { countByReason } from '@pipeline/shared/runtime';
import {
  type FirehoseTransformationResponse,
  type TransformQuarantineRecord,
  METRIC,
} from '@pipeline/shared';
import type { RegistryProvider, RegistrySnapshot } from '@pipeline/shared/registry';
import { z } from 'zod';
import { transformQuarantineRecords } from '../domain/quarantine-objects';
import {
  transformBatch,
  type RecordFailure,
  type TransformSettings,
  type TransformSummary,
} from '../domain/transform-batch';

/**
 * The Firehose event, Kinesis-source or Direct PUT. `data` stays base64 here: Powertools' schema
 * would decode it and fail the whole batch on one bad record, while the domain gives each bad
 * record its own reason. Compiled (`z.compile`: the same results and issues) because it walks every
 * record of the batch: in bench:transform it takes 0.7 instead of 2 ms at 3 MB.
 */
export const FirehoseTransformEventSchema = z.compile(
  KinesisFirehoseSchema.extend({
    records: z.array(KinesisFirehoseRecordSchema.extend({ data: z.string() })).min(1),
  }),
);
export type FirehoseTransformEvent = z.infer<typeof FirehoseTransformEventSchema>;

/**
 * Rejections logged one line each per invocation; the rest are summed up in one line. A flood of bad
 * input (a producer sending the wrong format, or `response_size_limit` on an oversized batch) would
 * otherwise write a warning per record: at 6 MB, 3 MB of CloudWatch Logs and a third of the
 * invocation. Every rejection is still counted in the metrics and in the batch line.
 */
export const MAX_REJECTIONS_LOGGED = 100;

/** What the transform does while it has no registry copy at all (the registry cache's error log). */
export const WITHOUT_REGISTRY = 'records are delivered un-enriched';

export interface TransformDependencies {
  settings: TransformSettings;
  logger: Logger;
  metrics: Metrics;
  /**
   * The device registry (a `RegistryCache`: loaded once per container, refreshed when its ETag
   * changes). Without one (no registry configured) every record is delivered with
   * `registered = false`.
   */
  registry?: RegistryProvider;
  /**
   * Where each rejection is kept with its reason (`errors/transform/`, the `quarantine_transform`
   * table): Firehose's own error record of a ProcessingFailed record keeps only
   * `Lambda.ProcessingFailedStatus` and the original data
   * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html).
   */
  quarantine?: TransformQuarantine;
}

/** Port: keeps the transform's rejections, with their reasons, queryable. */
export interface TransformQuarantine {
  put(records: readonly TransformQuarantineRecord[]): Promise<void>;
}

/** What the batch line says about the registry it used. */
const registryStatus = (snapshot: RegistrySnapshot | undefined) =>
  snapshot === undefined
    ? 'not configured'
    : snapshot.registry === undefined
      ? 'unavailable'
      : {
          etag: snapshot.etag,
          devices: snapshot.registry.size,
          ...(snapshot.lastError ? { stale: true } : {}),
        };

const logRejections = (logger: Logger, failures: readonly RecordFailure[]): void => {
  for (const failure of failures.slice(0, MAX_REJECTIONS_LOGGED))
    logger.warn('record rejected', { ...failure });
  const rest = failures.slice(MAX_REJECTIONS_LOGGED);
  if (rest.length === 0) return;
  const byReason: Record<string, number> = {};
  for (const { reason } of rest) byReason[reason] = (byReason[reason] ?? 0) + 1;
  logger.warn('records rejected, not logged one by one', {
    count: rest.length,
    byReason,
    firstRecordId: rest[0]?.recordId,
    lastRecordId: rest.at(-1)?.recordId,
  });
};

const publish = (metrics: Metrics, summary: TransformSummary, registryUnavailable: boolean): void => {
  metrics.addMetric(METRIC.RecordsOk, MetricUnit.Count, summary.ok);
  metrics.addMetric(METRIC.RecordsUnregistered, MetricUnit.Count, summary.unregistered);
  // 1 for each batch transformed without a registry although one is configured: the alarm's metric.
  metrics.addMetric(METRIC.RegistryUnavailable, MetricUnit.Count, registryUnavailable ? 1 : 0);
  const byReason = [
    [METRIC.RecordsDropped, summary.dropped],
    [METRIC.RecordsFailed, summary.failed],
  ] as const;
  for (const [name, counts] of byReason) countByReason(metrics, name, counts);
};

/**
 * The bare handler: validate, transform, account. Exported for tests and the local cloud, which
 * build it with their own settings; this module reads no environment.
 */
export const createTransformHandler =
  ({ settings, logger, metrics, registry, quarantine }: TransformDependencies) =>
  async (event: FirehoseTransformEvent): Promise<FirehoseTransformationResponse> => {
    logger.appendKeys({ invocationId: event.invocationId, deliveryStreamArn: event.deliveryStreamArn });
    // At most one registry check per refresh interval (the cache answers from memory otherwise);
    // it never throws: reference data must not stop ingestion.
    const snapshot = await registry?.current();
    const registryUnavailable = snapshot !== undefined && snapshot.registry === undefined;
    if (registryUnavailable)
      logger.error('device registry unavailable: records delivered un-enriched, flagged registered=false', {
        reason: snapshot.lastError,
      });
    const { records, failures, summary } = transformBatch(event.records, settings, snapshot?.registry);
    logRejections(logger, failures);
    // Before answering: a write that fails fails the invocation, Firehose retries it (the object
    // names repeat, so a retry adds no copy) and after its retries sends the whole batch to its
    // error output; no rejection goes unrecorded.
    if (quarantine && failures.length > 0)
      await quarantine.put(transformQuarantineRecords(event.records, failures));
    publish(metrics, summary, registryUnavailable);
    logger.info('batch transformed', {
      records: event.records.length,
      ...summary,
      registry: registryStatus(snapshot),
    });
    return { records };
  };
