import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_EVENT_TIME_POLICY, METRIC_NAMES, METRICS, normaliseHubMessage } from '@pipeline/shared';
import { ManualClock } from '../../src/aws/clock';
import { LocalCloud } from '../../src/cloud/LocalCloud';
import { LOCAL_RESOURCES, localLayout } from '../../src/cloud/layout';
import { writeLocalRegistry } from '../../src/registry/registry-file';

// No poison record may block a shard or lose a window. Extreme but finite readings (two of them
// overflow a double sum: 1e308 + 1e308 = Infinity, which the JSON carrying the tumbling-window
// state turns into null) are put straight on the hub, as raw device readings and in the canonical
// shape msk-consumer forwards, between ordinary readings of other devices on the same shard. The
// whole local cloud runs: Firehose with the real transform into the lake, and analytics-sink's
// tumbling windows into PGlite.
// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
const START = Date.UTC(2026, 2, 1, 10, 0, 0);
const EXTREME = 1e308;

const canonical = (deviceId: string, eventMs: number, metrics: Record<string, number>, offset: number) => ({
  event_id: '0'.repeat(32),
  device_id: deviceId,
  site: 'plant-a',
  firmware: null,
  latitude: null,
  longitude: null,
  event_time: new Date(eventMs).toISOString(),
  ingest_time: new Date(eventMs).toISOString(),
  source: 'msk',
  schema_version: 1,
  temperature: null,
  humidity: null,
  pressure: null,
  battery: null,
  ...metrics,
  kafka_topic: 'telemetry',
  kafka_partition: 0,
  kafka_offset: offset,
});

const raw = (deviceId: string, eventMs: number, metrics: Record<string, number | string>) => ({
  deviceId,
  timestamp: eventMs,
  site: 'plant-a',
  metrics,
});

let root: string;
let cloud: LocalCloud;
const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'poison-records-'));
  cloud = await LocalCloud.create({
    layout: localLayout(root),
    clock: new ManualClock(START),
    format: 'parquet',
    shards: 1,
    seed: 'poison',
  });
  // An empty device registry: no device has thresholds of its own (and nothing logs a missing file).
  const registryKey = String(cloud.params['ingest-transform'].registryKey);
  await writeLocalRegistry(root, LOCAL_RESOURCES.ingestBucket, registryKey, []);
}, 60_000);

afterAll(async () => {
  await cloud?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('extreme readings through the whole local cloud', () => {
  it('rejects them with a counted reason everywhere, and loses no window of any other device on the shard', async () => {
    const { clock, hub } = cloud;
    const messages: { key: string; body: unknown; arrival: number }[] = [];
    // Two minutes (two windows) of ordinary readings from three devices, every 10 s, with poison
    // in between: raw and canonical, overflowing and non-numeric, in both windows.
    for (let second = 5; second < 120; second += 10) {
      const at = START + second * 1000;
      for (const deviceId of ['dev-a', 'dev-b', 'dev-c'])
        messages.push({
          key: deviceId,
          body: raw(deviceId, at, { temperature: 20 + second / 100 }),
          arrival: at,
        });
      messages.push(
        { key: 'dev-x', body: canonical('dev-x', at, { temperature: EXTREME }, second), arrival: at + 1 },
        {
          key: 'dev-x',
          body: canonical('dev-x', at + 1, { pressure: -EXTREME, battery: 50 }, second + 1),
          arrival: at + 2,
        },
        { key: 'dev-y', body: raw('dev-y', at, { temperature: EXTREME }), arrival: at + 3 },
        { key: 'dev-y', body: raw('dev-y', at + 1, { humidity: '1e400' }), arrival: at + 4 },
        { key: 'dev-y', body: raw('dev-y', at + 2, { battery: 'NaN' }), arrival: at + 5 },
      );
    }
    for (const { key, body, arrival } of messages) {
      clock.advanceTo(arrival);
      await hub.putRecord({ PartitionKey: key, Data: Buffer.from(JSON.stringify(body)) });
    }
    // Run every simulator the records reach until the windows have closed and Firehose has flushed.
    const drainUntil = START + 60 * 60_000;
    for (;;) {
      const due = [cloud.firehose.nextDueAt(), cloud.windowMapping.nextDueAt()].filter(
        (at): at is number => at !== undefined && at <= drainUntil,
      );
      if (due.length === 0) break;
      clock.advanceTo(Math.min(...due));
      await cloud.firehose.poll();
      await cloud.windowMapping.poll();
    }
    await cloud.firehose.flush();

    // The shard was never blocked: no failed invocation, nothing parked, nothing left unread.
    expect(cloud.windowMapping.stats.failedInvocations).toBe(0);
    expect(cloud.windowMapping.lag()).toBe(0);
    expect(cloud.sinkFailureQueue.counts().total).toBe(0);
    expect(cloud.recorder.sum('analytics-sink', 'WindowStateDiscarded')).toBe(0);

    // The sink's books: every record counted or rejected, and the poison rejected as invalid metrics.
    const inRange = (record: Record<string, unknown>) =>
      METRIC_NAMES.every((name) => {
        const value = record[name] as number | null;
        return value === null || (value >= METRICS[name].min && value <= METRICS[name].max);
      });
    const sharedOutcomes = messages.map(({ body, arrival }) =>
      normaliseHubMessage(body as Record<string, unknown>, arrival, DEFAULT_EVENT_TIME_POLICY),
    );
    const ordinary = messages.filter(({ key }) => key !== 'dev-x' && key !== 'dev-y');
    const counted = cloud.recorder.sum('analytics-sink', 'RecordsCounted');
    const rejected = cloud.recorder.byDimension('analytics-sink', 'RecordsRejected', 'reason');
    expect(counted).toBe(ordinary.length);
    expect(rejected).toEqual({ invalid_metrics: messages.length - ordinary.length });

    // The lake's books: what the shared normalisation accepts is delivered, the rest is in the
    // error prefix (canonical records are range-checked there once the shared rule covers them).
    const acceptedByLake = sharedOutcomes.filter((outcome) => outcome.outcome === 'ok').length;
    expect(cloud.firehose.stats.delivered).toBe(acceptedByLake);
    expect(total(cloud.recorder.byDimension('ingest-transform', 'RecordsFailed', 'reason'))).toBe(
      messages.length - acceptedByLake,
    );
    expect(
      sharedOutcomes.filter((outcome) => outcome.outcome === 'ok' && inRange(outcome.record)).length,
    ).toBe(ordinary.length);

    // Every window of every ordinary device, with every reading in it.
    const windows = await cloud.db.query<{ device_id: string; window_start: string; event_count: number }>(
      `SELECT device_id, to_char(window_start, 'HH24:MI') AS window_start, event_count::int AS event_count
       FROM realtime_device_window ORDER BY device_id, window_start`,
    );
    expect(windows.rows).toEqual(
      ['dev-a', 'dev-b', 'dev-c'].flatMap((device_id) => [
        { device_id, window_start: '10:00', event_count: 6 },
        { device_id, window_start: '10:01', event_count: 6 },
      ]),
    );
  }, 120_000);
});
