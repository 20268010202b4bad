import type { z } from 'zod';
import { CanonicalRecordSchema, SCHEMA_VERSION, type CanonicalRecord } from './canonical-record';
import { eventIdFor } from './event-id';
import { METRIC_NAMES } from './metrics';
import { partitionKeysFor, type PartitionKeys } from './partition';
import { HeartbeatSchema, RawReadingSchema } from './raw-reading';
import type { DropReason, RejectionReason } from './rejection';

/** How far from "now" an event time may be. Readings outside the window are rejected, not stored. */
export interface EventTimePolicy {
  /** Device clocks drift; a reading further in the future than this is a broken clock. */
  maxFutureSkewMs: number;
  /** Older readings would land in long-closed partitions whose reports have already run. */
  maxEventAgeMs: number;
}

export const DEFAULT_EVENT_TIME_POLICY: EventTimePolicy = {
  maxFutureSkewMs: 5 * 60 * 1000,
  maxEventAgeMs: 7 * 24 * 60 * 60 * 1000,
};

/** Where a record came from. Kafka coordinates are kept for traceability back to the topic. */
export interface Provenance {
  source: CanonicalRecord['source'];
  ingestTimeMs: number;
  kafka?: { topic: string; partition: number; offset: number };
}

export type Normalised =
  | { outcome: 'ok'; record: CanonicalRecord; partition: PartitionKeys }
  | { outcome: 'dropped'; reason: DropReason; detail: string }
  | { outcome: 'rejected'; reason: RejectionReason; detail: string };

const rejected = (reason: RejectionReason, detail: string): Normalised => ({
  outcome: 'rejected',
  reason,
  detail,
});

const REASON_BY_FIELD: Record<string, RejectionReason> = {
  deviceId: 'invalid_device_id',
  timestamp: 'invalid_event_time',
  metrics: 'invalid_metrics',
};

/** The first issue decides the reason; the detail names the field so the log says what to fix. */
const rejectedBy = (error: z.ZodError): Normalised => {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? '');
  const detail = `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
  return rejected(REASON_BY_FIELD[field] ?? 'schema_violation', detail);
};

/**
 * Validates a decoded device message and turns it into the canonical lake record. This is the one
 * implementation used by every entry path (Firehose transform, MSK consumer, local cloud).
 */
export const normaliseReading = (
  message: Record<string, unknown>,
  provenance: Provenance,
  policy: EventTimePolicy = DEFAULT_EVENT_TIME_POLICY,
): Normalised => {
  if (message.type === 'heartbeat') {
    const heartbeat = HeartbeatSchema.safeParse(message);
    return heartbeat.success
      ? { outcome: 'dropped', reason: 'heartbeat', detail: `heartbeat from ${heartbeat.data.deviceId}` }
      : rejectedBy(heartbeat.error);
  }

  const parsed = RawReadingSchema.safeParse(message);
  if (!parsed.success) return rejectedBy(parsed.error);
  const reading = parsed.data;

  const eventTimeMs = reading.timestamp;
  if (eventTimeMs > provenance.ingestTimeMs + policy.maxFutureSkewMs) {
    return rejected(
      'event_time_in_future',
      `event time ${new Date(eventTimeMs).toISOString()} is in the future`,
    );
  }
  if (eventTimeMs < provenance.ingestTimeMs - policy.maxEventAgeMs) {
    return rejected('event_time_too_old', `event time ${new Date(eventTimeMs).toISOString()} is too old`);
  }

  const { metrics } = reading;
  const record: CanonicalRecord = {
    event_id: eventIdFor(reading.deviceId, eventTimeMs, metrics),
    device_id: reading.deviceId,
    site: reading.site ?? null,
    firmware: reading.firmware ?? null,
    latitude: reading.location?.lat ?? null,
    longitude: reading.location?.lon ?? null,
    event_time: new Date(eventTimeMs).toISOString(),
    ingest_time: new Date(provenance.ingestTimeMs).toISOString(),
    source: provenance.source,
    schema_version: SCHEMA_VERSION,
    temperature: metrics.temperature ?? null,
    humidity: metrics.humidity ?? null,
    pressure: metrics.pressure ?? null,
    battery: metrics.battery ?? null,
    kafka_topic: provenance.kafka?.topic ?? null,
    kafka_partition: provenance.kafka?.partition ?? null,
    kafka_offset: provenance.kafka?.offset ?? null,
  };
  return { outcome: 'ok', record, partition: partitionKeysFor(eventTimeMs) };
};

/**
 * Accepts a record that an upstream stage (msk-consumer) already normalised. It is validated again,
 * and its id recomputed, because anyone allowed to write to the hub could have sent it.
 */
const acceptCanonical = (message: Record<string, unknown>): Normalised => {
  const parsed = CanonicalRecordSchema.safeParse(message);
  if (!parsed.success) return rejectedBy(parsed.error);
  const record = parsed.data;
  const eventTimeMs = Date.parse(record.event_time);
  const metrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, record[name] ?? undefined]));
  return {
    outcome: 'ok',
    record: { ...record, event_id: eventIdFor(record.device_id, eventTimeMs, metrics) },
    partition: partitionKeysFor(eventTimeMs),
  };
};

/**
 * Normalises one message read from the hub stream. The hub carries raw device readings (IoT Core,
 * SDK producers) and canonical records forwarded by msk-consumer (recognised by `schema_version`).
 */
export const normaliseHubMessage = (
  message: Record<string, unknown>,
  ingestTimeMs: number,
  policy: EventTimePolicy = DEFAULT_EVENT_TIME_POLICY,
): Normalised =>
  'schema_version' in message
    ? acceptCanonical(message)
    : normaliseReading(message, { source: 'kinesis', ingestTimeMs }, policy);
