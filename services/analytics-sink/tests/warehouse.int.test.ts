import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import { mockClient } from 'aws-sdk-client-mock';
import { freshPgliteWarehouse } from '@pipeline/local/testing';
import { SnsAlertPublisher } from '../src/adapters/sns-alert-publisher';
import { ALERT_TABLE, WINDOW_PART_TABLE } from '../src/domain/realtime-tables';
import { createSinkHandler } from '../src/handlers/sink-handler';
import type { WindowEvent } from '../src/handlers/window-event';
import { EARLY_CONTINUATION, EARLY_SEGMENT, EARLY_WINDOW, loadEvent, windowEvent } from './events';
import { chainStates, expectedWindows } from './scenario';
import { sinkSettings } from './settings';

// PGlite reads TIMESTAMP columns as local time; the assertions are in UTC.
process.env.TZ = 'UTC';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:analytics-sink-dev-alerts';
const sns = mockClient(SNSClient);

let db: PGlite;
let warehouse: PostgresWarehouse;
let sink: ReturnType<typeof createSinkHandler>;

beforeAll(async () => {
  ({ db, warehouse } = await freshPgliteWarehouse());
  sink = createSinkHandler({
    settings: sinkSettings(),
    warehouse,
    publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'analytics-sink' }),
  });
}, 60_000);
afterAll(async () => {
  await warehouse.close();
});
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

/** Rows of a query with PGlite's values made plain: numbers as numbers, timestamps as ISO strings. */
const query = async (sql: string, parameters: unknown[] = []) =>
  (await db.query<Record<string, unknown>>(sql, parameters)).rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [
        key,
        value instanceof Date
          ? value.toISOString()
          : typeof value === 'bigint' ||
              (typeof value === 'string' && /^\d+$/.test(value) && key.endsWith('count'))
            ? Number(value)
            : value,
      ]),
    ),
  );

const windowRows = (start: string) =>
  query('SELECT * FROM realtime_device_window WHERE window_start = $1 ORDER BY device_id', [start]);

const expectMatchesIndependentComputation = (rows: Record<string, unknown>[], events: WindowEvent[]) => {
  const expected = expectedWindows(events);
  expect(rows.map((row) => row.device_id)).toEqual([...expected.keys()].sort());
  for (const row of rows) {
    const window = expected.get(row.device_id as string)!;
    expect(row).toMatchObject({
      event_count: window.event_count,
      first_event_time: window.first_event_time,
      last_event_time: window.last_event_time,
      source_count: window.source_count,
    });
    for (const [metric, stats] of Object.entries(window.metrics)) {
      expect([metric, row[`${metric}_count`], row[`${metric}_min`], row[`${metric}_max`]]).toEqual([
        metric,
        stats.count,
        stats.min,
        stats.max,
      ]);
      if (stats.avg === null) expect(row[`${metric}_avg`]).toBeNull();
      else expect(row[`${metric}_avg`] as number).toBeCloseTo(stats.avg, 9);
    }
  }
};

describe('analytics-sink on the PGlite warehouse', () => {
  const WINDOW_START = '2026-11-25T08:00:00.000Z';

  it('writes the window, carried over three invocations, as rows equal to an independent computation', async () => {
    const batches = (['window-1-open', 'window-2-middle', 'window-3-last-batch'] as const).map(loadEvent);
    let state: Record<string, unknown> = {};
    for (const event of batches) state = (await sink({ ...event, state })).state;
    expect(await sink({ ...loadEvent('window-4-final'), state })).toEqual({
      state: {},
      batchItemFailures: [],
    });

    const rows = await windowRows(WINDOW_START);
    expectMatchesIndependentComputation(rows, batches);
    expect(rows.find((row) => row.device_id === 'dev-0001')).toMatchObject({
      duplicate_count: 2,
      kinesis_count: 2,
      msk_count: 1,
      segment_count: 1,
    });
    expect(rows.find((row) => row.device_id === 'dev-0002')).toMatchObject({ battery_min: 11.5 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('does not duplicate rows or alerts when the final invocation is replayed', async () => {
    const before = await query('SELECT * FROM realtime_device_window_part ORDER BY device_id');
    await sink(loadEvent('window-4-final'));
    await sink(loadEvent('window-4-final'));

    const after = await query('SELECT * FROM realtime_device_window_part ORDER BY device_id');
    expect(after.map(({ written_at: _w, ...row }) => row)).toEqual(
      before.map(({ written_at: _w, ...row }) => row),
    );
    expect(await query('SELECT rule_id, device_id FROM realtime_alert ORDER BY rule_id')).toEqual([
      { rule_id: 'battery_below_15', device_id: 'dev-0002' },
      { rule_id: 'temperature_above_80', device_id: 'dev-0003' },
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('merges the segments of a window terminated early into one row per device, alerting once', async () => {
    await sink(loadEvent('window-terminated-early'));
    const rest = chainStates([EARLY_CONTINUATION], sinkSettings(), { window: EARLY_WINDOW });
    await sink(windowEvent({ records: [], state: rest[1], final: true, window: EARLY_WINDOW }));

    const rows = await windowRows('2026-11-25T08:01:00.000Z');
    expectMatchesIndependentComputation(rows, [
      windowEvent({ records: [...EARLY_SEGMENT, ...EARLY_CONTINUATION], window: EARLY_WINDOW }),
    ]);
    expect(rows.map(({ device_id, segment_count }) => [device_id, segment_count])).toEqual([
      ['dev-0001', 2],
      ['dev-0002', 2],
    ]);
    // dev-0002's battery was low in both segments: one alert, with the first segment's evidence.
    expect(
      sns
        .commandCalls(PublishCommand)
        .map((call) => JSON.parse(call.args[0].input.Message!).evidence.observed),
    ).toEqual([11]);
  });

  it('looks up keys, composite ones with timestamps included, through the shared Postgres adapter', async () => {
    const [row] = await query(
      'SELECT device_id, window_start, segment_id FROM realtime_device_window_part ORDER BY device_id LIMIT 1',
    );
    const present = {
      device_id: row!.device_id as string,
      window_start: (row!.window_start as string).replace('T', ' ').replace('Z', ''),
      segment_id: row!.segment_id as string,
    };
    const absent = { ...present, segment_id: 'shardId-000000000009:1' };
    expect(await warehouse.existingKeys({ table: WINDOW_PART_TABLE, keys: [absent, present] })).toEqual([
      present,
    ]);
    expect(await warehouse.existingKeys({ table: ALERT_TABLE, keys: [] })).toEqual([]);
  });
});
