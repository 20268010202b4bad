import { createHash } from 'node:crypto';
import { METRICS } from '@pipeline/shared';
import type { WarehouseRow } from '@pipeline/shared/warehouse';
import { breachingValue, type AlertRule } from './alert-rules';
import { SOURCES, type DeviceAggregate, type Source } from './device-aggregate';
import { warehouseTimestamp, type WindowBounds } from './realtime-tables';

const iso = (epochMs: number | null): string | null =>
  epochMs === null ? null : new Date(epochMs).toISOString();

/**
 * The alert message published to the alerts topic (JSON body, version 1). `alertId` is the same
 * for every copy of the alert (device, window start, rule), so a subscriber that sees the
 * same id twice can drop the copy.
 */
export interface ThresholdAlert {
  type: 'realtime.threshold_alert';
  version: 1;
  alertId: string;
  deviceId: string;
  rule: AlertRule & { unit: string };
  window: { start: string; end: string };
  /** What the window saw: the deciding value and the metric's statistics for the window. */
  evidence: {
    observed: number;
    readings: number;
    average: number;
    min: number;
    max: number;
    events: number;
    firstEventTime: string | null;
    lastEventTime: string | null;
    sources: Source[];
  };
  /** The shard and first sequence number of the aggregates that raised it (for tracing). */
  segmentId: string;
}

/** One id per device, window and rule: 128 bits of SHA-256, hex. */
export const alertIdFor = (deviceId: string, windowStartMs: number, ruleId: string): string =>
  createHash('sha256')
    .update(`${deviceId}|${new Date(windowStartMs).toISOString()}|${ruleId}`)
    .digest('hex')
    .slice(0, 32);

/** The alerts a device's aggregate raises: at most one per rule. */
export const alertsFor = (
  deviceId: string,
  aggregate: DeviceAggregate,
  rules: readonly AlertRule[],
  window: WindowBounds,
  segmentId: string,
): ThresholdAlert[] =>
  rules.flatMap((rule) => {
    const stats = aggregate.metrics[rule.metric];
    const observed = breachingValue(rule, stats);
    if (!stats || observed === undefined) return [];
    const alert: ThresholdAlert = {
      type: 'realtime.threshold_alert',
      version: 1,
      alertId: alertIdFor(deviceId, window.startMs, rule.id),
      deviceId,
      rule: { ...rule, unit: METRICS[rule.metric].unit },
      window: { start: new Date(window.startMs).toISOString(), end: new Date(window.endMs).toISOString() },
      evidence: {
        observed,
        readings: stats.n,
        average: stats.sum / stats.n,
        min: stats.min,
        max: stats.max,
        events: aggregate.events,
        firstEventTime: iso(aggregate.firstEventMs),
        lastEventTime: iso(aggregate.lastEventMs),
        sources: SOURCES.filter((source) => aggregate.sources[source] > 0),
      },
      segmentId,
    };
    return [alert];
  });

/** A one-line summary for e-mail subjects and chat: ASCII, under SNS's 100-character subject limit. */
export const alertSubject = (alert: ThresholdAlert): string => {
  const { metric, comparison, threshold } = alert.rule;
  const subject = `${alert.deviceId}: ${metric} ${alert.evidence.observed} ${comparison} ${threshold}`;
  const ascii = subject.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 99 ? ascii : `${ascii.slice(0, 96)}...`;
};

/** The idempotency record of a published alert (see `ALERT_TABLE`). */
export const alertRow = (alert: ThresholdAlert, publishedAtMs: number): WarehouseRow => ({
  alert_id: alert.alertId,
  device_id: alert.deviceId,
  window_start: warehouseTimestamp(Date.parse(alert.window.start)),
  window_end: warehouseTimestamp(Date.parse(alert.window.end)),
  rule_id: alert.rule.id,
  metric: alert.rule.metric,
  comparison: alert.rule.comparison,
  threshold: alert.rule.threshold,
  observed: alert.evidence.observed,
  readings: alert.evidence.readings,
  average: alert.evidence.average,
  first_event_time:
    alert.evidence.firstEventTime && warehouseTimestamp(Date.parse(alert.evidence.firstEventTime)),
  last_event_time:
    alert.evidence.lastEventTime && warehouseTimestamp(Date.parse(alert.evidence.lastEventTime)),
  segment_id: alert.segmentId,
  published_at: warehouseTimestamp(publishedAtMs),
});
