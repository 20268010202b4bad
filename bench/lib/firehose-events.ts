import type { FirehoseTransformEvent } from '@pipeline/ingest-transform';

/**
 * Synthetic Firehose transformation events with a Kinesis source, shaped like
 * services/ingest-transform/events/firehose-kinesis-source.json. Deterministic (seeded), so two
 * runs transform exactly the same bytes.
 */

type FirehoseRecord = FirehoseTransformEvent['records'][number];

/** mulberry32: small, fast, good enough to vary synthetic data reproducibly. */
const random = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const SITES = ['plant-berlin', 'plant-lyon', 'warehouse-porto', 'dc-frankfurt', 'farm-ebro-07'];
const FIRMWARES = ['2.4.1', '2.4.0', '2.3.9', '3.0.0-rc.2'];
const SHARDS = 4;
/** 2026-11-25T08:00:05.120Z, the arrival time of the first record of the sample event. */
const FIRST_ARRIVAL_MS = 1795593605120;
const FIRST_SEQUENCE = 49657451427938513246725103836716085116234584953431982082n;

export interface EventMix {
  /** Share of readings that are heartbeats (Dropped). */
  heartbeats: number;
  /** Share of records that fail: bad JSON, unknown metric, out-of-range value, future event time... */
  bad: number;
  /** Share of canonical records forwarded through the hub by msk-consumer. */
  canonical: number;
}

export const DEFAULT_MIX: EventMix = { heartbeats: 0.01, bad: 0.015, canonical: 0.03 };

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

const reading = (next: () => number, deviceId: string, eventTimeMs: number): Record<string, unknown> => {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  // Timestamps as producers send them: ISO with Z, ISO with an offset, epoch ms, epoch seconds.
  const style = next();
  const timestamp =
    style < 0.4
      ? new Date(eventTimeMs).toISOString()
      : style < 0.5
        ? new Date(eventTimeMs + 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+01:00')
        : style < 0.8
          ? eventTimeMs
          : Math.floor(eventTimeMs / 1000);
  // Some gateways stringify every number.
  const stringly = next() < 0.2;
  const value = (n: number): number | string => (stringly ? String(n) : n);
  const metrics: Record<string, number | string> = { temperature: value(round(15 + next() * 15, 1)) };
  if (next() < 0.8) metrics.humidity = value(round(30 + next() * 40, 1));
  if (next() < 0.6) metrics.pressure = value(round(990 + next() * 40, 1));
  if (next() < 0.7) metrics.battery = value(Math.round(next() * 100));

  const message: Record<string, unknown> = { deviceId, timestamp };
  if (next() < 0.9) message.site = pick(SITES);
  if (next() < 0.6) message.firmware = pick(FIRMWARES);
  if (next() < 0.3) message.location = { lat: round(36 + next() * 20, 4), lon: round(-9 + next() * 30, 4) };
  message.metrics = metrics;
  return message;
};

const canonical = (next: () => number, deviceId: string, eventTimeMs: number): Record<string, unknown> => ({
  event_id: '00000000000000000000000000000000',
  device_id: deviceId,
  site: SITES[Math.floor(next() * SITES.length)],
  firmware: null,
  latitude: null,
  longitude: null,
  event_time: new Date(eventTimeMs).toISOString(),
  ingest_time: new Date(eventTimeMs + 1500).toISOString(),
  source: 'msk',
  schema_version: 1,
  temperature: round(15 + next() * 15, 1),
  humidity: null,
  pressure: round(990 + next() * 40, 1),
  battery: null,
  kafka_topic: 'telemetry.readings',
  kafka_partition: Math.floor(next() * 6),
  kafka_offset: Math.floor(next() * 1e7),
});

/** Records that must come out as ProcessingFailed, each for a different reason. */
const badPayload = (next: () => number, deviceId: string, eventTimeMs: number, arrivalMs: number): string => {
  const timestamp = new Date(eventTimeMs).toISOString();
  const kind = Math.floor(next() * 6);
  switch (kind) {
    case 0:
      return `{"deviceId":"${deviceId}","timestamp":"${timestamp}","metrics":{"temperature":2`;
    case 1:
      return JSON.stringify({ deviceId, timestamp, metrics: { co2: 410 } });
    case 2:
      return JSON.stringify({ deviceId, timestamp, metrics: { temperature: 451 } });
    case 3:
      return JSON.stringify({
        deviceId,
        timestamp: new Date(arrivalMs + 3_600_000).toISOString(),
        metrics: { temperature: 20 },
      });
    case 4:
      return JSON.stringify({ deviceId: `${deviceId} `, timestamp, metrics: { temperature: 20 } });
    default:
      return JSON.stringify({ deviceId, timestamp: 'yesterday', metrics: { humidity: 40 } });
  }
};

export interface SyntheticEvent {
  event: FirehoseTransformEvent;
  /** The serialised event: what counts against Lambda's 6 MB request limit. */
  eventBytes: number;
  /** Sum of the records' base64 `data`. */
  dataBytes: number;
}

/**
 * Adds records until the serialised event would exceed `maxEventBytes`.
 */
export const syntheticFirehoseEvent = (
  maxEventBytes: number,
  mix: EventMix = DEFAULT_MIX,
  seed = 42,
): SyntheticEvent => {
  const next = random(seed);
  const event: FirehoseTransformEvent = {
    invocationId: '5b0a7a9e-2f3c-4d8e-9a51-3c2d7e1f0b64',
    sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/ingest-transform-dev-telemetry',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/ingest-transform-dev-lake',
    region: 'us-east-1',
    records: [],
  };
  // `{"records":[]}` and the other envelope fields, then one comma per record.
  let eventBytes = Buffer.byteLength(JSON.stringify(event));
  let dataBytes = 0;
  for (let index = 0; ; index += 1) {
    const arrivalMs = FIRST_ARRIVAL_MS + index * 3 + Math.floor(next() * 3);
    const deviceId = `dev-${String(1 + Math.floor(next() * 5000)).padStart(4, '0')}`;
    const eventTimeMs = arrivalMs - 200 - Math.floor(next() * 120_000);
    const kind = next();
    const payload =
      kind < mix.bad
        ? badPayload(next, deviceId, eventTimeMs, arrivalMs)
        : kind < mix.bad + mix.heartbeats
          ? JSON.stringify({ deviceId, type: 'heartbeat', timestamp: new Date(eventTimeMs).toISOString() })
          : kind < mix.bad + mix.heartbeats + mix.canonical
            ? JSON.stringify(canonical(next, deviceId, eventTimeMs))
            : JSON.stringify(reading(next, deviceId, eventTimeMs));
    const sequenceNumber = (FIRST_SEQUENCE + BigInt(index)).toString();
    const record: FirehoseRecord = {
      recordId: `${sequenceNumber}000000000000`,
      approximateArrivalTimestamp: arrivalMs + 40,
      data: Buffer.from(payload).toString('base64'),
      kinesisRecordMetadata: {
        shardId: `shardId-${String(index % SHARDS).padStart(12, '0')}`,
        partitionKey: deviceId,
        approximateArrivalTimestamp: arrivalMs,
        sequenceNumber,
        subsequenceNumber: 0,
      },
    };
    const recordBytes = Buffer.byteLength(JSON.stringify(record)) + (index === 0 ? 0 : 1);
    if (eventBytes + recordBytes > maxEventBytes) break;
    event.records.push(record);
    eventBytes += recordBytes;
    dataBytes += record.data.length;
  }
  return { event, eventBytes, dataBytes };
};
