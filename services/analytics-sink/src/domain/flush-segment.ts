import type { QueryableWarehouse, WarehouseRow } from '@pipeline/shared/warehouse';
import { alertRow, type ThresholdAlert } from './alerts';
import type { SegmentFlush } from './process-window';
import {
  ALERT_TABLE,
  WINDOW_PART_TABLE,
  WINDOW_VIEW_NAME,
  WINDOW_VIEW_SQL,
  warehouseTimestamp,
} from './realtime-tables';

/** Publishes one alert; rejects when the alert may not have been delivered. */
export interface AlertPublisher {
  publish(alert: ThresholdAlert): Promise<void>;
}

/** The warehouse operations the sink uses. */
export type SinkWarehouse = Pick<
  QueryableWarehouse,
  'ensureTable' | 'ensureView' | 'upsertRows' | 'existingKeys'
>;

/**
 * Where the real-time tables live: a warehouse (see {@link warehouseRealtimeStore}) or, without
 * one, objects in S3 that Athena reads (`adapters/lake-realtime-store.ts`).
 */
export interface RealtimeStore {
  /** Writes one segment's `realtime_device_window_part` rows; a rewrite replaces that segment's rows. */
  writeWindowRows(rows: readonly WarehouseRow[]): Promise<void>;
  /** The ids of `alerts` recorded as sent by an earlier attempt. */
  sentAlertIds(alerts: readonly ThresholdAlert[]): Promise<Set<string>>;
  /** Records sent alerts (`realtime_alert` rows). */
  recordAlerts(rows: readonly WarehouseRow[]): Promise<void>;
}

/** The real-time tables in a warehouse: upserts by key, created once per warehouse instance. */
export const warehouseRealtimeStore = (warehouse: SinkWarehouse): RealtimeStore => ({
  async writeWindowRows(rows) {
    await ensureRealtimeSchema(warehouse);
    await warehouse.upsertRows({ table: WINDOW_PART_TABLE, rows });
  },
  async sentAlertIds(alerts) {
    await ensureRealtimeSchema(warehouse);
    const keys = alerts.map((alert) => ({ alert_id: alert.alertId }));
    return new Set(
      (await warehouse.existingKeys({ table: ALERT_TABLE, keys })).map((key) => String(key.alert_id)),
    );
  },
  async recordAlerts(rows) {
    await ensureRealtimeSchema(warehouse);
    await warehouse.upsertRows({ table: ALERT_TABLE, rows });
  },
});

/** The sink's store: given directly, or a warehouse to keep the tables in. */
export type RealtimeStoreDependency = { store: RealtimeStore } | { warehouse: SinkWarehouse };

export const realtimeStoreOf = (dependency: RealtimeStoreDependency): RealtimeStore =>
  'store' in dependency ? dependency.store : warehouseRealtimeStore(dependency.warehouse);

export type FlushDependencies = RealtimeStoreDependency & {
  publisher: AlertPublisher;
  now: () => number;
};

export interface FlushResult {
  rowsWritten: number;
  alertsPublished: number;
  /** Alerts already recorded as published by an earlier attempt or replay: not sent again. */
  alertsAlreadySent: number;
}

/** Some alerts could not be published; the invocation fails so Lambda retries it. */
export class AlertPublishError extends Error {
  override name = 'AlertPublishError';
  constructor(
    readonly failed: { alertId: string; error: unknown }[],
    readonly published: number,
  ) {
    super(`${failed.length} alert(s) not published (${published} published): ${String(failed[0]?.error)}`);
  }
}

// Publishes run concurrently within this bound: fast enough for an alert storm, gentle on SNS quotas.
const PUBLISH_CONCURRENCY = 10;

const schemaReady = new WeakMap<SinkWarehouse, Promise<void>>();

/** Tables and the merged view, created once per warehouse instance (i.e. per Lambda container). */
export const ensureRealtimeSchema = (warehouse: SinkWarehouse): Promise<void> => {
  let ready = schemaReady.get(warehouse);
  if (!ready) {
    ready = (async () => {
      await warehouse.ensureTable(WINDOW_PART_TABLE);
      await warehouse.ensureTable(ALERT_TABLE);
      await warehouse.ensureView({ name: WINDOW_VIEW_NAME, select: WINDOW_VIEW_SQL });
    })();
    ready.catch(() => schemaReady.delete(warehouse));
    schemaReady.set(warehouse, ready);
  }
  return ready;
};

const publishAll = async (
  alerts: readonly ThresholdAlert[],
  publisher: AlertPublisher,
): Promise<{ published: ThresholdAlert[]; failed: { alertId: string; error: unknown }[] }> => {
  const published: ThresholdAlert[] = [];
  const failed: { alertId: string; error: unknown }[] = [];
  for (let start = 0; start < alerts.length; start += PUBLISH_CONCURRENCY) {
    const slice = alerts.slice(start, start + PUBLISH_CONCURRENCY);
    const outcomes = await Promise.allSettled(slice.map((alert) => publisher.publish(alert)));
    outcomes.forEach((outcome, index) => {
      const alert = slice[index]!;
      if (outcome.status === 'fulfilled') published.push(alert);
      else failed.push({ alertId: alert.alertId, error: outcome.reason });
    });
  }
  return { published, failed };
};

/**
 * Writes a segment and sends its alerts, safely repeatable:
 *
 * 1. The segment's rows are upserted by (device, window start, segment): a retry or replay
 *    rewrites the same rows.
 * 2. Alerts whose id is already recorded (`realtime_alert`) were sent before and are skipped.
 * 3. The others are published, and each one that SNS accepted is recorded in `realtime_alert`.
 * 4. If any publish failed, this throws after recording the successes, so the retry sends only the
 *    rest. Only a crash between a publish and its record can send an alert twice; the alert id in
 *    the message lets subscribers drop that copy.
 *
 * Any failure (warehouse or SNS) rejects: the handler lets the invocation fail and Lambda retries
 * it with the same state, so nothing is lost.
 */
export const flushSegment = async (
  flush: SegmentFlush,
  { publisher, now, ...dependency }: FlushDependencies,
): Promise<FlushResult> => {
  const store = realtimeStoreOf(dependency);
  const writtenAt = warehouseTimestamp(now());
  await store.writeWindowRows(flush.rows.map((row) => ({ ...row, written_at: writtenAt })));
  if (flush.alerts.length === 0)
    return { rowsWritten: flush.rows.length, alertsPublished: 0, alertsAlreadySent: 0 };

  const sent = await store.sentAlertIds(flush.alerts);
  const pending = flush.alerts.filter((alert) => !sent.has(alert.alertId));
  const { published, failed } = await publishAll(pending, publisher);
  if (published.length > 0) {
    const publishedAt = now();
    await store.recordAlerts(published.map((alert) => alertRow(alert, publishedAt)));
  }
  if (failed.length > 0) throw new AlertPublishError(failed, published.length);
  return { rowsWritten: flush.rows.length, alertsPublished: published.length, alertsAlreadySent: sent.size };
};
