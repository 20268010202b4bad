import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { KafkaMskEventSchema, KafkaRecordSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { countByReason } from '@pipeline/shared/runtime';
import { METRIC } from '@pipeline/shared';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { planBatch, type BatchSummary, type ConsumeSettings } from '../domain/plan-batch';
import { HubWriteError, type HubWriter, type HubWriteStats, type Quarantine } from '../domain/ports';

/**
 * The MSK event (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html). Powertools' record
 * schema decodes `value` and requires it; here `key` and `value` stay base64 and may be null or
 * absent (a tombstone has a null value), so each record gets its own outcome instead of one bad
 * record failing the whole batch. For the same reason headers are not checked here: AWS sends
 * their bytes signed (a Java `byte[]`), and `planBatch` reads them per record, quarantining a
 * record whose headers are not byte lists (`invalid_header`) rather than rejecting the batch.
 */
export const MskEventSchema = KafkaMskEventSchema.extend({
  records: z.record(
    z.string(),
    z.array(
      KafkaRecordSchema.extend({
        key: z.string().nullish(),
        value: z.string().nullish(),
        headers: z.unknown(),
      }),
    ),
  ),
});
export type MskEvent = z.infer<typeof MskEventSchema>;

export interface ConsumerDependencies {
  settings: ConsumeSettings;
  hub: HubWriter;
  quarantine: Quarantine;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

// Time kept back from the hub writes so a failing batch still logs, publishes its metrics and
// returns its error before the function times out (a timeout also fails the batch, silently).
const RESERVE_FRACTION = 0.1;
const MIN_RESERVE_MS = 2000;

/** The moment the hub writes must give up: the remaining invocation time less a reserve. */
export const hubDeadline = (nowMs: number, remainingMs: number): number =>
  Math.floor(nowMs + remainingMs - Math.max(MIN_RESERVE_MS, remainingMs * RESERVE_FRACTION));

const publish = (
  metrics: Metrics,
  summary: BatchSummary,
  stored: { quarantine: boolean; hub: boolean },
  hubStats: HubWriteStats | undefined,
): void => {
  metrics.addMetric(METRIC.RecordsReceived, MetricUnit.Count, summary.received);
  if (stored.hub) metrics.addMetric(METRIC.RecordsForwarded, MetricUnit.Count, summary.forwarded);
  if (hubStats) metrics.addMetric(METRIC.HubRetries, MetricUnit.Count, hubStats.retriedEntries);
  const byReason = [
    [METRIC.RecordsQuarantined, stored.quarantine ? summary.quarantined : {}],
    [METRIC.RecordsSkipped, summary.skipped],
    [METRIC.RecordsDropped, summary.dropped],
  ] as const;
  for (const [name, counts] of byReason) countByReason(metrics, name, counts);
};

/**
 * The bare handler: plan the batch, quarantine poison records and forward the rest to the hub at
 * the same time, account for every record. Any failure fails the invocation, so the event source
 * mapping retries the batch (and finally sends it to the on-failure destination): nothing is
 * acknowledged that was not stored. Exported for tests and the local cloud, which inject their own
 * ports; this module reads no environment.
 */
export const createConsumerHandler =
  ({ settings, hub, quarantine, logger, metrics, now = Date.now }: ConsumerDependencies) =>
  async (event: MskEvent, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<BatchSummary> => {
    logger.appendKeys({ eventSourceArn: event.eventSourceArn });
    const plan = planBatch(Object.values(event.records).flat(), settings, now());
    for (const { topic, partition, offset, reason, detail } of plan.quarantine) {
      logger.warn('record quarantined', { topic, partition, offset, reason, detail });
    }

    const deadlineMs = hubDeadline(now(), context.getRemainingTimeInMillis());
    const [stored, written] = await Promise.allSettled([
      quarantine.put(plan.quarantine),
      hub.put(plan.forward, { deadlineMs }),
    ]);
    const hubStats =
      written.status === 'fulfilled'
        ? written.value
        : written.reason instanceof HubWriteError
          ? written.reason.stats
          : undefined;
    publish(
      metrics,
      plan.summary,
      { quarantine: stored.status === 'fulfilled', hub: written.status === 'fulfilled' },
      hubStats,
    );

    const errors = [stored, written].flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (errors.length > 0) {
      logger.error('batch not stored; the event source mapping will retry it', {
        ...plan.summary,
        errors: errors.map(String),
      });
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'quarantine and hub writes failed');
    }
    logger.info('batch stored', {
      ...plan.summary,
      hubRequests: hubStats?.requests,
      hubRetries: hubStats?.retriedEntries,
    });
    return plan.summary;
  };
