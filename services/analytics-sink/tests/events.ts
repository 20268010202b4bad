import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WindowEvent } from '../src/handlers/window-event';

export const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/ingest-transform-dev-telemetry';
export const SHARD_ID = 'shardId-000000000000';
export const WINDOW = { start: '2026-11-25T08:00:00Z', end: '2026-11-25T08:01:00Z' };
/** 2026-11-25T08:00:00Z in epoch seconds, the unit of Kinesis `approximateArrivalTimestamp`. */
export const WINDOW_START_S = Date.parse(WINDOW.start) / 1000;

/** A realistic Kinesis sequence number (56 digits), increasing with `n`. */
export const sequenceNumber = (n: number): string =>
  `496574514279385132467251038367160851162345849534${String(n).padStart(8, '0')}`;

export interface RecordSpec {
  /** A JSON payload, or raw text/bytes already encoded as base64 when `raw` is set. */
  payload: unknown;
  n: number;
  /** Seconds after the window start at which the record reached the hub. */
  arrivedAfter: number;
  partitionKey?: string;
  raw?: boolean;
}

export const kinesisRecord = ({
  payload,
  n,
  arrivedAfter,
  partitionKey,
  raw = false,
}: RecordSpec): WindowEvent['Records'][number] => {
  const data = raw ? String(payload) : Buffer.from(JSON.stringify(payload)).toString('base64');
  const key =
    partitionKey ??
    (typeof payload === 'object' && payload !== null
      ? String(
          (payload as Record<string, unknown>).deviceId ??
            (payload as Record<string, unknown>).device_id ??
            'unknown',
        )
      : 'unknown');
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: key,
      sequenceNumber: sequenceNumber(n),
      data,
      approximateArrivalTimestamp: WINDOW_START_S + arrivedAfter,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${SHARD_ID}:${sequenceNumber(n)}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/analytics-sink-dev-SinkRole-1A2B3C4D5E6F',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
};

export interface WindowEventSpec {
  records: RecordSpec[];
  state?: Record<string, unknown>;
  final?: boolean;
  terminatedEarly?: boolean;
  window?: { start: string; end: string };
  shardId?: string;
}

/** A tumbling-window Kinesis event as Lambda sends it. */
export const windowEvent = ({
  records,
  state = {},
  final = false,
  terminatedEarly = false,
  window = WINDOW,
  shardId = SHARD_ID,
}: WindowEventSpec): WindowEvent => ({
  Records: records.map(kinesisRecord),
  window,
  state,
  shardId,
  eventSourceARN: STREAM_ARN,
  isFinalInvokeForWindow: final,
  isWindowTerminatedEarly: terminatedEarly,
});

/** A raw device reading as IoT Core puts it on the hub. */
export const reading = (
  deviceId: string,
  timestamp: string | number,
  metrics: Record<string, number | string>,
  extra: Record<string, unknown> = {},
) => ({
  deviceId,
  timestamp,
  ...extra,
  metrics,
});

/** A canonical record as msk-consumer forwards it (the id is recomputed by the sink). */
export const forwarded = (
  deviceId: string,
  eventTime: string,
  metrics: { temperature?: number; humidity?: number; pressure?: number; battery?: number },
  offset: number,
) => ({
  event_id: '0'.repeat(32),
  device_id: deviceId,
  site: 'plant-berlin',
  firmware: null,
  latitude: null,
  longitude: null,
  event_time: eventTime,
  ingest_time: eventTime.replace(/\.\d{3}Z$/, '.900Z'),
  source: 'msk',
  schema_version: 1,
  temperature: metrics.temperature ?? null,
  humidity: metrics.humidity ?? null,
  pressure: metrics.pressure ?? null,
  battery: metrics.battery ?? null,
  kafka_topic: 'telemetry',
  kafka_partition: 3,
  kafka_offset: offset,
});

/**
 * The story of one window on one shard, in three batches and a final invocation: two paths into
 * the hub, a redelivered IoT message and a re-forwarded Kafka record (duplicates), a heartbeat,
 * two invalid records, a low battery and an overheating device.
 */
export const WINDOW_BATCHES: RecordSpec[][] = [
  [
    {
      n: 1,
      arrivedAfter: 1.12,
      payload: reading(
        'dev-0001',
        '2026-11-25T08:00:00.500Z',
        { temperature: 21.7, humidity: 43.2, pressure: 1012.8, battery: 87 },
        { site: 'plant-berlin', firmware: '2.4.1' },
      ),
    },
    {
      n: 2,
      arrivedAfter: 1.54,
      payload: reading(
        'dev-0002',
        1795593601000,
        { temperature: 19.4, battery: 64.5 },
        { site: 'plant-lyon' },
      ),
    },
    {
      n: 3,
      arrivedAfter: 2.05,
      payload: forwarded('dev-0101', '2026-11-25T07:59:58.000Z', { temperature: 22.1, battery: 91 }, 184467),
    },
    {
      n: 4,
      arrivedAfter: 3.31,
      payload: reading(
        'dev-0001',
        '2026-11-25T08:00:02.500Z',
        { temperature: 22.3, humidity: 43, battery: 86.5 },
        { site: 'plant-berlin' },
      ),
    },
  ],
  [
    // IoT Core redelivered the first reading (MQTT QoS 1): same bytes, same event id.
    {
      n: 5,
      arrivedAfter: 20.02,
      payload: reading(
        'dev-0001',
        '2026-11-25T08:00:00.500Z',
        { temperature: 21.7, humidity: 43.2, pressure: 1012.8, battery: 87 },
        { site: 'plant-berlin', firmware: '2.4.1' },
      ),
    },
    {
      n: 6,
      arrivedAfter: 20.4,
      payload: forwarded('dev-0001', '2026-11-25T08:00:10.000Z', { temperature: 22.9, battery: 86 }, 184470),
    },
    {
      n: 7,
      arrivedAfter: 21.15,
      payload: reading(
        'dev-0002',
        '2026-11-25T08:00:15Z',
        { temperature: 19.6, battery: 12 },
        { site: 'plant-lyon' },
      ),
    },
    {
      n: 8,
      arrivedAfter: 22.8,
      payload: { deviceId: 'dev-0005', type: 'heartbeat', timestamp: '2026-11-25T08:00:22Z' },
    },
    {
      n: 9,
      arrivedAfter: 23.0,
      raw: true,
      partitionKey: 'dev-0009',
      payload: Buffer.from('{"deviceId": "dev-0009", "metrics": {').toString('base64'),
    },
    {
      n: 10,
      arrivedAfter: 24.6,
      payload: reading(
        'dev-0003',
        1795593618,
        { temperature: '18.9', humidity: '51', pressure: '1009.4' },
        { site: 'plant-lyon' },
      ),
    },
  ],
  [
    {
      n: 11,
      arrivedAfter: 45.7,
      payload: reading(
        'dev-0003',
        '2026-11-25T09:00:40+01:00',
        { temperature: 85.5, humidity: 12 },
        { site: 'plant-lyon' },
      ),
    },
    {
      n: 12,
      arrivedAfter: 46.1,
      partitionKey: 'dev 0004',
      payload: reading('dev 0004', '2026-11-25T08:00:41Z', { temperature: 20 }),
    },
    // msk-consumer retried a PutRecords batch: the same canonical record again.
    {
      n: 13,
      arrivedAfter: 47.3,
      payload: forwarded('dev-0001', '2026-11-25T08:00:10.000Z', { temperature: 22.9, battery: 86 }, 184470),
    },
    {
      n: 14,
      arrivedAfter: 48.9,
      payload: reading(
        'dev-0002',
        '2026-11-25T08:00:44Z',
        { temperature: 19.8, battery: 11.5 },
        { site: 'plant-lyon' },
      ),
    },
  ],
];

export type EventName =
  | 'window-1-open'
  | 'window-2-middle'
  | 'window-3-last-batch'
  | 'window-4-final'
  | 'window-invalid-records'
  | 'window-terminated-early';

export const EVENT_NAMES: EventName[] = [
  'window-1-open',
  'window-2-middle',
  'window-3-last-batch',
  'window-4-final',
  'window-invalid-records',
  'window-terminated-early',
];

/** A captured event from events/ (shared with `sls invoke local`), cloned for mutation. */
export const loadEvent = (name: EventName): WindowEvent =>
  structuredClone(JSON.parse(readFileSync(join(__dirname, '..', 'events', `${name}.json`), 'utf8')));

/** One record of every kind the sink rejects, each for its own reason. */
export const INVALID_RECORDS: RecordSpec[] = [
  { n: 101, arrivedAfter: 5, raw: true, partitionKey: 'x', payload: 'not base64!' },
  { n: 102, arrivedAfter: 5, raw: true, partitionKey: 'x', payload: '' },
  {
    n: 103,
    arrivedAfter: 5,
    raw: true,
    partitionKey: 'x',
    payload: Buffer.alloc(70_000, 'a').toString('base64'),
  },
  {
    n: 104,
    arrivedAfter: 5,
    raw: true,
    partitionKey: 'x',
    payload: Buffer.from([0xc3, 0x28, 0x7b, 0x7d]).toString('base64'),
  },
  {
    n: 105,
    arrivedAfter: 5,
    raw: true,
    partitionKey: 'x',
    payload: Buffer.from('{"deviceId":').toString('base64'),
  },
  {
    n: 106,
    arrivedAfter: 5,
    raw: true,
    partitionKey: 'x',
    payload: Buffer.from('[1,2,3]').toString('base64'),
  },
  { n: 107, arrivedAfter: 5, payload: reading('dev/0007', '2026-11-25T08:00:04Z', { temperature: 20 }) },
  { n: 108, arrivedAfter: 5, payload: reading('dev-0008', 'yesterday', { temperature: 20 }) },
  { n: 109, arrivedAfter: 5, payload: reading('dev-0009', '2026-11-25T08:00:04Z', { radiation: 3 }) },
  {
    n: 110,
    arrivedAfter: 5,
    payload: reading('dev-0010', '2026-11-25T08:00:04Z', { temperature: 20 }, { site: 'plant berlin' }),
  },
  { n: 111, arrivedAfter: 5, payload: reading('dev-0011', '2026-11-25T09:00:04Z', { temperature: 20 }) },
  { n: 112, arrivedAfter: 5, payload: reading('dev-0012', '2026-11-01T08:00:04Z', { temperature: 20 }) },
  { n: 113, arrivedAfter: 5, payload: reading('dev-0013', '2026-11-25T08:00:04Z', { temperature: 20.5 }) },
];

/** The next window, whose first segment Lambda ended early (window-terminated-early.json). */
export const EARLY_WINDOW = { start: '2026-11-25T08:01:00Z', end: '2026-11-25T08:02:00Z' };

export const EARLY_SEGMENT: RecordSpec[] = [
  {
    n: 201,
    arrivedAfter: 61.2,
    payload: reading(
      'dev-0001',
      '2026-11-25T08:01:00.500Z',
      { temperature: 23.1, battery: 86 },
      { site: 'plant-berlin' },
    ),
  },
  {
    n: 202,
    arrivedAfter: 61.9,
    payload: reading(
      'dev-0002',
      '2026-11-25T08:01:01Z',
      { temperature: 19.9, battery: 11 },
      { site: 'plant-lyon' },
    ),
  },
  {
    n: 203,
    arrivedAfter: 62.4,
    payload: reading(
      'dev-0001',
      '2026-11-25T08:01:02Z',
      { temperature: 23.4, battery: 85.5 },
      { site: 'plant-berlin' },
    ),
  },
];

/** What arrived in the same window after the early termination, starting from a fresh state. */
export const EARLY_CONTINUATION: RecordSpec[] = [
  {
    n: 204,
    arrivedAfter: 80.3,
    payload: reading(
      'dev-0001',
      '2026-11-25T08:01:20Z',
      { temperature: 24.2, battery: 85 },
      { site: 'plant-berlin' },
    ),
  },
  {
    n: 205,
    arrivedAfter: 81.0,
    payload: reading(
      'dev-0002',
      '2026-11-25T08:01:21Z',
      { temperature: 20.4, battery: 10.5 },
      { site: 'plant-lyon' },
    ),
  },
];
