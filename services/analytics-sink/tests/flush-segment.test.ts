import { WarehouseUnavailableError } from '@pipeline/shared/warehouse';
import type { ThresholdAlert } from '../src/domain/alerts';
import { AlertPublishError, flushSegment, type AlertPublisher } from '../src/domain/flush-segment';
import type { SegmentFlush } from '../src/domain/process-window';
import { ALERT_TABLE, WINDOW_PART_TABLE, WINDOW_VIEW_NAME } from '../src/domain/realtime-tables';
import { loadEvent } from './events';
import { MemoryWarehouse } from './memory-warehouse';
import { invoke } from './scenario';
import { sinkSettings } from './settings';

const NOW = Date.parse('2026-11-25T08:01:02.345Z');
const finalFlush = (): SegmentFlush => invoke(loadEvent('window-4-final'), sinkSettings()).flush!;

/** A publisher that records what it sent and fails for the alert ids it is told to. */
class RecordingPublisher implements AlertPublisher {
  readonly sent: ThresholdAlert[] = [];
  failFor = new Set<string>();

  async publish(alert: ThresholdAlert): Promise<void> {
    if (this.failFor.has(alert.alertId)) throw new Error('SNS throttled');
    this.sent.push(alert);
  }
}

describe('flushSegment', () => {
  let warehouse: MemoryWarehouse;
  let publisher: RecordingPublisher;
  beforeEach(() => {
    warehouse = new MemoryWarehouse();
    publisher = new RecordingPublisher();
  });
  const flush = (segment = finalFlush()) => flushSegment(segment, { warehouse, publisher, now: () => NOW });

  it('creates the tables and the merged view, upserts the rows and records the alerts it sent', async () => {
    const result = await flush();

    expect(result).toEqual({ rowsWritten: 4, alertsPublished: 2, alertsAlreadySent: 0 });
    expect([...warehouse.views.keys()]).toEqual([WINDOW_VIEW_NAME]);
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
    expect(
      warehouse.rows(WINDOW_PART_TABLE).every((row) => row.written_at === '2026-11-25 08:01:02.345'),
    ).toBe(true);
    expect(publisher.sent.map(({ deviceId, rule }) => `${deviceId}/${rule.id}`)).toEqual([
      'dev-0002/battery_below_15',
      'dev-0003/temperature_above_80',
    ]);
    expect(warehouse.rows(ALERT_TABLE)).toEqual([
      expect.objectContaining({
        device_id: 'dev-0002',
        rule_id: 'battery_below_15',
        observed: 11.5,
        readings: 3,
        published_at: '2026-11-25 08:01:02.345',
      }),
      expect.objectContaining({
        device_id: 'dev-0003',
        rule_id: 'temperature_above_80',
        observed: 85.5,
        threshold: 80,
      }),
    ]);
  });

  it('does not alert twice when the same window is replayed', async () => {
    await flush();
    const replay = await flush();

    expect(replay).toEqual({ rowsWritten: 4, alertsPublished: 0, alertsAlreadySent: 2 });
    expect(publisher.sent).toHaveLength(2);
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
    expect(warehouse.rows(ALERT_TABLE)).toHaveLength(2);
  });

  it('fails without publishing anything when the warehouse is unavailable, and succeeds on retry', async () => {
    warehouse.failure = new WarehouseUnavailableError('workgroup is resuming');
    await expect(flush()).rejects.toBeInstanceOf(WarehouseUnavailableError);
    expect(publisher.sent).toHaveLength(0);

    warehouse.failure = undefined;
    await expect(flush()).resolves.toMatchObject({ alertsPublished: 2 });
  });

  it('records the alerts that went out before failing, so the retry sends only the rest', async () => {
    const segment = finalFlush();
    const [battery, temperature] = segment.alerts;
    publisher.failFor.add(temperature!.alertId);

    const failure = await flush(segment).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AlertPublishError);
    expect(failure).toMatchObject({ published: 1, failed: [{ alertId: temperature!.alertId }] });
    expect(warehouse.rows(ALERT_TABLE).map((row) => row.alert_id)).toEqual([battery!.alertId]);

    publisher.failFor.clear();
    await expect(flush(segment)).resolves.toEqual({
      rowsWritten: 4,
      alertsPublished: 1,
      alertsAlreadySent: 1,
    });
    expect(publisher.sent.map(({ alertId }) => alertId)).toEqual([battery!.alertId, temperature!.alertId]);
  });

  it('skips the alert lookup for a segment that raises no alert', async () => {
    await flushSegment({ ...finalFlush(), alerts: [] }, { warehouse, publisher, now: () => NOW });
    expect(warehouse.calls.filter((call) => call.startsWith('existingKeys'))).toEqual([]);
  });
});
