import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { countByReason } from '@pipeline/shared/runtime';
import type { RegistryProvider } from '@pipeline/shared/registry';
import { METRIC } from '@pipeline/shared';
import {
  flushSegment,
  type AlertPublisher,
  realtimeStoreOf,
  type FlushResult,
  type RealtimeStoreDependency,
} from '../domain/flush-segment';
import {
  processWindowInvocation,
  type InvocationSummary,
  type SegmentFlush,
  type SinkSettings,
} from '../domain/process-window';
import { toWindowInvocation, type WindowEvent, type WindowResponse } from './window-event';

/** What the sink does while it has no registry copy at all (the registry cache's error log). */
export const WITHOUT_REGISTRY = 'the configured alert thresholds apply to every device';

/** Device ids named in one log entry about a discarded state (the count is always complete). */
const MAX_DEVICES_LOGGED = 100;

/** The real-time store comes as `store`, or as a `warehouse` holding the tables. */
export type SinkDependencies = RealtimeStoreDependency & {
  settings: SinkSettings;
  publisher: AlertPublisher;
  /**
   * The device registry (per-device thresholds): a `RegistryCache` over S3 in AWS, the bucket
   * folder in the local cloud. Without one, or while it has no copy, the configured rules apply.
   */
  registry?: RegistryProvider;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
};

const publishSummary = (metrics: Metrics, summary: InvocationSummary): void => {
  metrics.addMetric(METRIC.RecordsCounted, MetricUnit.Count, summary.counted);
  metrics.addMetric(METRIC.RecordsDuplicate, MetricUnit.Count, summary.duplicates);
  metrics.addMetric(METRIC.RecordsUnverified, MetricUnit.Count, summary.unverified);
  metrics.addMetric(METRIC.WindowStateBytes, MetricUnit.Bytes, summary.stateBytes);
  countByReason(metrics, METRIC.RecordsRejected, summary.rejected);
  countByReason(metrics, METRIC.RecordsDropped, summary.dropped);
};

const publishFlush = (metrics: Metrics, flush: SegmentFlush, result: FlushResult): void => {
  countByReason(metrics, METRIC.SegmentsWritten, { [flush.reason]: 1 });
  metrics.addMetric(METRIC.WindowRowsWritten, MetricUnit.Count, result.rowsWritten);
  metrics.addMetric(METRIC.AlertsPublished, MetricUnit.Count, result.alertsPublished);
  metrics.addMetric(METRIC.AlertsAlreadySent, MetricUnit.Count, result.alertsAlreadySent);
};

/**
 * The bare handler, exported for tests and the local cloud. Aggregation is pure; only a segment
 * flush does I/O. When the warehouse or SNS fails, the invocation fails: Lambda retries it with
 * the same state (and, for the final invocation, suspends the shard until it succeeds or the
 * retry policy sends the batch to the on-failure queue). Batch item failures cannot express this:
 * the final invocation of a window has no records to report, and records reported as failed
 * would be folded into the returned state and then folded again on retry.
 */
export const createSinkHandler = (dependencies: SinkDependencies) => {
  const { settings, publisher, registry, logger, metrics, now = Date.now } = dependencies;
  // Built once: the warehouse store creates its tables once per warehouse instance.
  const store = realtimeStoreOf(dependencies);
  return async (event: WindowEvent): Promise<WindowResponse> => {
    logger.appendKeys({ shardId: event.shardId, windowStart: event.window.start });
    // Checked on every invocation, not only final ones: a segment can also be written early when
    // the state outgrows its budget. The cache answers from memory between refreshes, never throws,
    // and keeps its last good copy when S3 or the file fails (its onError logs that).
    const snapshot = registry ? await registry.current() : undefined;
    const outcome = processWindowInvocation(toWindowInvocation(event), settings, snapshot?.registry);
    const { discarded } = outcome;
    if (discarded) {
      // Counted and logged, never thrown: a failed invocation would be retried with the same state
      // and suspend the shard until the retries ran out (see `readState`). The lake still holds
      // the readings of what is named here, to recompute the window from.
      const reason = discarded.restarted ? 'unreadable_state' : 'unreadable_aggregate';
      countByReason(metrics, METRIC.WindowStateDiscarded, { [reason]: 1 });
      logger.error('window state partly unreadable: aggregates lost for this window', {
        reason: discarded.reason,
        restarted: discarded.restarted,
        readingsLost: discarded.readings,
        devicesLost: discarded.devices.length,
        devices: discarded.devices.slice(0, MAX_DEVICES_LOGGED),
      });
    }
    for (const rejection of outcome.rejections) logger.warn('record rejected', { ...rejection });
    if (outcome.summary.dedupCleared) logger.warn('de-duplication memory emptied to fit the state budget');
    publishSummary(metrics, outcome.summary);

    const { flush } = outcome;
    if (flush) {
      const segment = {
        segmentId: flush.segmentId,
        reason: flush.reason,
        rows: flush.rows.length,
        alerts: flush.alerts.length,
        registeredDevices: flush.registeredDevices,
      };
      if (registry && !snapshot?.registry) {
        metrics.addMetric(METRIC.RegistryUnavailable, MetricUnit.Count, 1);
        logger.warn('device registry unavailable: alerts use the configured thresholds for every device', {
          ...segment,
          ...(snapshot?.lastError ? { registryError: snapshot.lastError } : {}),
        });
      }
      try {
        const result = await flushSegment(flush, { store, publisher, now });
        publishFlush(metrics, flush, result);
        logger.info('segment written', { ...segment, ...result });
      } catch (error) {
        metrics.addMetric(METRIC.SegmentWriteFailures, MetricUnit.Count, 1);
        logger.error('segment not written: failing the invocation so Lambda retries it', {
          ...segment,
          error: error as Error,
        });
        throw error;
      }
    }
    logger.info('window invocation', {
      final: event.isFinalInvokeForWindow,
      terminatedEarly: event.isWindowTerminatedEarly,
      ...outcome.summary,
    });
    return { state: outcome.state, batchItemFailures: [] };
  };
};
