import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { countByReason } from '@pipeline/shared/runtime';
import { METRIC } from '@pipeline/shared';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { partitionId, partitionsOfPreviousDay, planBatch, type PartitionRun } from '../domain/batch-plan';
import { settleWithConcurrency } from '../domain/concurrency';
import { publishDashboard, type DashboardDependencies } from '../domain/dashboard';
import { isTransient } from '../domain/errors';
import type { RunManifest } from '../domain/manifest';
import { runPartition, type ReportRunnerDependencies } from '../domain/run-reports';
import { parseMessageBody } from '../messages';

export interface RunnerHandlerDependencies {
  runner: ReportRunnerDependencies;
  logger: Logger;
  metrics: Metrics;
  /** Only objects of this bucket are accepted; others are rejected. */
  ingestBucket?: string;
  /** Partitions of one batch (or one re-run day) that may run at the same time. */
  partitionConcurrency: number;
  /** The scheduled re-run covers the UTC day this many days back. */
  rerunDaysBack: number;
  /** When set, the dashboard is regenerated after every invocation in which a partition succeeded. */
  dashboard?: DashboardDependencies;
}

/** What a scheduled re-run did. */
export interface RerunSummary {
  dt: string;
  partitions: number;
  reports: number;
}

/** A message that can never succeed; failing it lets SQS move it to the DLQ after maxReceiveCount. */
export class RejectedMessageError extends Error {
  override name = 'RejectedMessageError';
}

const SCHEDULED_EVENT = 'Scheduled Event';
const ScheduledEventSchema = EventBridgeSchema.extend({ 'detail-type': z.literal(SCHEDULED_EVENT) });

/** The runner's triggers: an SQS batch, or the daily EventBridge schedule. */
export const RunnerEventSchema = z.union([SqsSchema, ScheduledEventSchema]);

const publishRuns = (metrics: Metrics, manifests: RunManifest[]): void => {
  metrics.addMetric(METRIC.ReportRuns, MetricUnit.Count, manifests.length);
  metrics.addMetric(
    METRIC.ReportRows,
    MetricUnit.Count,
    manifests.reduce((sum, { output }) => sum + output.rows, 0),
  );
  metrics.addMetric(
    METRIC.BytesScanned,
    MetricUnit.Bytes,
    manifests.reduce((sum, { query }) => sum + query.bytesScanned, 0),
  );
};

/**
 * Regenerates the dashboard. It is derived data: a failure is logged and counted, never fails the
 * invocation (the reports are loaded; the next run publishes again).
 */
const refreshDashboard = async (deps: RunnerHandlerDependencies): Promise<void> => {
  if (!deps.dashboard) return;
  try {
    const published = await publishDashboard(deps.dashboard);
    deps.logger.info('dashboard published', { ...published });
    if (published.problems.length > 0)
      deps.logger.warn('dashboard panels unreadable', { problems: published.problems });
    deps.metrics.addMetric(METRIC.DashboardsPublished, MetricUnit.Count, 1);
  } catch (error) {
    deps.logger.warn('dashboard not published', { error: error as Error });
    deps.metrics.addMetric(METRIC.DashboardPublishFailures, MetricUnit.Count, 1);
  }
};

const anySucceeded = async (runs: Iterable<Promise<unknown>>): Promise<boolean> =>
  (await Promise.allSettled(runs)).some(({ status }) => status === 'fulfilled');

/** Runs partitions with bounded concurrency and logs each outcome; one promise per run id. */
const startRuns = (
  deps: RunnerHandlerDependencies,
  runs: PartitionRun[],
): Map<string, Promise<RunManifest[]>> => {
  const started = new Map<string, Promise<RunManifest[]>>();
  const settled = settleWithConcurrency(runs, deps.partitionConcurrency, async (run) => {
    try {
      const manifests = await runPartition(deps.runner, run);
      deps.logger.info('partition reported', {
        partition: run.id,
        trigger: run.trigger,
        sources: run.sources.length,
        reports: manifests.map(({ report, output, query }) => ({
          report,
          rows: output.rows,
          queryId: query.id,
        })),
      });
      publishRuns(deps.metrics, manifests);
      return manifests;
    } catch (error) {
      deps.logger.error('partition failed', {
        partition: run.id,
        transient: isTransient(error),
        error: error as Error,
      });
      deps.metrics.addMetric(METRIC.PartitionRunsFailed, MetricUnit.Count, 1);
      throw error;
    }
  });
  runs.forEach((run, index) => {
    const outcome = settled.then((results) => {
      const result = results[index];
      if (result?.status === 'fulfilled') return result.value;
      throw result?.reason;
    });
    // Every run is awaited by at least one record; this only keeps Node from flagging it early.
    outcome.catch(() => undefined);
    started.set(run.id, outcome);
  });
  return started;
};

const handleMessages = async (
  deps: RunnerHandlerDependencies,
  event: SQSEvent,
  context?: Context,
): Promise<SQSBatchResponse> => {
  const plan = planBatch(
    event.Records.map(({ messageId, body }) => ({ messageId, intent: parseMessageBody(body) })),
    { bucket: deps.ingestBucket },
  );
  deps.logger.info('batch planned', {
    messages: event.Records.length,
    partitions: plan.runs.map(({ id }) => id),
  });
  const runs = startRuns(deps, plan.runs);

  const processRecord = async (record: SQSRecord): Promise<void> => {
    const decision = plan.decisions.get(record.messageId);
    if (!decision) throw new Error(`message ${record.messageId} was not planned`);
    switch (decision.kind) {
      case 'ignore':
        deps.logger.info('message ignored', { messageId: record.messageId, reason: decision.reason });
        return;
      case 'reject': {
        deps.logger.error('message rejected', {
          messageId: record.messageId,
          reason: decision.reason,
          detail: decision.detail,
          receiveCount: record.attributes.ApproximateReceiveCount,
        });
        countByReason(deps.metrics, METRIC.MessagesRejected, { [decision.reason]: 1 });
        throw new RejectedMessageError(`${decision.reason}: ${decision.detail}`);
      }
      case 'run':
        await Promise.all(
          decision.runIds.map((id) => runs.get(id) ?? Promise.reject(new Error(`run ${id} was not started`))),
        );
    }
  };

  const processor = new BatchProcessor(EventType.SQS);
  // Every record fails alone; a batch whose records all fail is still answered with the list,
  // not an exception, so SQS counts each receive and dead-letters poison messages.
  const response = await processPartialResponse(event, processRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
  if (await anySucceeded(runs.values())) await refreshDashboard(deps);
  return response;
};

const handleSchedule = async (deps: RunnerHandlerDependencies, time: string): Promise<RerunSummary> => {
  const partitions = partitionsOfPreviousDay(new Date(time), deps.rerunDaysBack);
  const runs: PartitionRun[] = partitions.map((partition) => ({
    id: partitionId(partition),
    partition,
    trigger: 'rerun',
    sources: [],
    messageIds: [],
  }));
  const outcomes = await Promise.allSettled(startRuns(deps, runs).values());
  if (outcomes.some(({ status }) => status === 'fulfilled')) await refreshDashboard(deps);
  const failed = runs.filter((_, index) => outcomes[index]?.status === 'rejected').map(({ id }) => id);
  if (failed.length > 0) {
    // The asynchronous invocation is retried, then sent to the on-failure destination (the DLQ).
    throw new Error(`Re-run of ${failed.length} of ${runs.length} partitions failed: ${failed.join(', ')}`);
  }
  const reports = outcomes.reduce(
    (sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value.length : 0),
    0,
  );
  return { dt: partitions[0]?.dt ?? '', partitions: runs.length, reports };
};

/**
 * The bare handler, for tests and the local cloud. SQS batches of object-created notifications
 * (or re-run requests) are coalesced by partition and answered with `batchItemFailures`; the daily
 * EventBridge schedule re-runs every hour of the previous day, so late objects are covered.
 */
export const createRunnerHandler =
  (deps: RunnerHandlerDependencies) =>
  async (event: unknown, context?: Context): Promise<SQSBatchResponse | RerunSummary> => {
    if (SqsSchema.safeParse(event).success) return handleMessages(deps, event as SQSEvent, context);
    const scheduled = ScheduledEventSchema.safeParse(event);
    if (scheduled.success) return handleSchedule(deps, scheduled.data.time);
    throw new Error('Unsupported event: expected an SQS batch or an EventBridge Scheduled Event');
  };
