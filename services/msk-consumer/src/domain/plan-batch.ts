import {
  KAFKA_QUARANTINE_PREFIX,
  canonicalRecordJson,
  decodeJsonObject,
  normaliseReading,
  partitionKeysFor,
  type DropReason,
  type EventTimePolicy,
} from '@pipeline/shared';
import { schemaIssues } from '@pipeline/shared/runtime';
import { z } from 'zod';
import type { DecodedBytes, HubRecord, QuarantinedRecord, QuarantineReason } from './ports';

/**
 * One Kafka record as the MSK event carries it (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html):
 * `key` and `value` base64, each header a `{ name: [byte, ...] }` object. A tombstone has a null value.
 * Headers are left unchecked by the event schema and read here, per record (see {@link readHeaders}).
 */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key?: string | null;
  value?: string | null;
  headers?: unknown;
}

export interface ConsumeSettings {
  /** Kafka values above this are quarantined as `oversized_record` before they are decoded. */
  maxValueBytes: number;
  /** Largest hub record, data plus partition key (Kinesis: 1 MiB unless the stream was raised). */
  maxHubRecordBytes: number;
  eventTime: EventTimePolicy;
}

/** Records that are counted and skipped: there is nothing to store and nothing to repair. */
export const SKIP_REASONS = ['tombstone', 'no_value'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface BatchSummary {
  received: number;
  forwarded: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  skipped: Partial<Record<SkipReason, number>>;
  dropped: Partial<Record<DropReason, number>>;
}

export interface BatchPlan {
  /** Canonical records for the hub, in Kafka order within each topic-partition. */
  forward: HubRecord[];
  quarantine: QuarantinedRecord[];
  /** Every received record is in exactly one of forwarded, quarantined, skipped or dropped. */
  summary: BatchSummary;
}

// `fatal` so that binary keys and headers are kept as base64 instead of being mangled.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Kafka keys and header values are opaque bytes: text when they are UTF-8, base64 otherwise. */
export const decodeBytes = (bytes: Uint8Array): DecodedBytes => {
  try {
    return { value: utf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { value: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
};

// Lambda's Kafka event is built in Java: each header value is a `byte[]`, written as JSON numbers
// -128..127, so a byte >= 0x80 arrives negative, e.g. "ë" as [-61, -85] (aws/aws-lambda-go#422 and
// #506, aws/aws-lambda-dotnet#1476, aws-powertools/powertools-lambda-python#6862). The unsigned
// form 0..255 (tests, replay tools, other SDKs' samples) names the same bytes, so both are read.
const KafkaHeadersSchema = z.array(z.record(z.string(), z.array(z.number().int().min(-128).max(255))));

export type ReadHeaders = { ok: true; headers: QuarantinedRecord['headers'] } | { ok: false; detail: string };

const isByte = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= -128 && value <= 255;

/**
 * Headers as AWS sends them, checked by hand: this runs for every record, and zod's parse of the
 * byte lists took about as long as the rest of the record's planning. It accepts a subset of what
 * {@link KafkaHeadersSchema} accepts (lists of plain JSON objects whose values are lists of bytes,
 * no `__proto__` name, which zod leaves out) and reads them as zod's output would be read; anything
 * else goes through the schema, so a bad header is reported exactly as before. The event is JSON,
 * so symbol and non-enumerable keys, which the schema would also see, cannot occur.
 */
const byteHeaders = (headers: unknown): headers is Record<string, number[]>[] => {
  if (!Array.isArray(headers)) return false;
  for (const header of headers as unknown[]) {
    if (typeof header !== 'object' || header === null || Object.getPrototypeOf(header) !== Object.prototype)
      return false;
    for (const name in header) {
      const bytes: unknown = (header as Record<string, unknown>)[name];
      if (name === '__proto__' || !Array.isArray(bytes)) return false;
      for (const byte of bytes as unknown[]) if (!isByte(byte)) return false;
    }
  }
  return true;
};

const headerBytes = (bytes: readonly number[]): Uint8Array => {
  const octets = new Uint8Array(bytes.length);
  for (let index = 0; index < bytes.length; index += 1) octets[index] = bytes[index]! & 0xff;
  return octets;
};

const decodedHeaders = (headers: readonly Record<string, number[]>[]): QuarantinedRecord['headers'] => {
  const decoded: QuarantinedRecord['headers'] = [];
  for (const header of headers) {
    for (const name in header) decoded.push({ name, value: decodeBytes(headerBytes(header[name]!)) });
  }
  return decoded;
};

/**
 * A record's headers as bytes (`x & 0xff` turns a signed Java byte into its octet), decoded for
 * people. Headers that are not lists of bytes fail only their own record: a whole-batch rejection
 * would make the event source mapping retry the batch until it gives up and stall the partition.
 */
export const readHeaders = (headers: unknown = []): ReadHeaders => {
  if (byteHeaders(headers)) return { ok: true, headers: decodedHeaders(headers) };
  const parsed = KafkaHeadersSchema.safeParse(headers);
  if (!parsed.success) {
    const detail = schemaIssues(parsed.error)
      .slice(0, 3)
      .map(({ path, message }) => `${['headers', path].filter(Boolean).join('.')}: ${message}`)
      .join('; ');
    return { ok: false, detail };
  }
  return { ok: true, headers: decodedHeaders(parsed.data) };
};

const decodeKey = (key: KafkaRecord['key']): DecodedBytes | null =>
  key === undefined || key === null ? null : decodeBytes(Buffer.from(key, 'base64'));

/**
 * The pipeline's ingest time for a Kafka record: its Kafka timestamp (producer create time or broker
 * append time, per the topic's `message.timestamp.type`), never later than now. Using the record's
 * own time rather than the clock makes a retried batch plan exactly the same way, and keeps the
 * event-time window (`event_time_too_old`, `event_time_in_future`) stable across retries.
 */
export const ingestTimeOf = (record: Pick<KafkaRecord, 'timestamp'>, nowMs: number): number =>
  record.timestamp > 0 ? Math.min(record.timestamp, nowMs) : nowMs;

const increment = <K extends string>(counts: Partial<Record<K, number>>, key: K): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * Decides what happens to every record of one MSK batch. Values are decoded and validated by the
 * shared `normaliseReading` (the same function the Firehose transform uses), with source `msk` and
 * the Kafka coordinates kept in the canonical record. Valid readings are forwarded with the device
 * id as partition key, so each device's readings stay in order on one shard; heartbeats are
 * dropped as everywhere else; tombstones and empty values are skipped; everything else is
 * quarantined with its reason and original value, so one poison record never blocks a partition.
 */
export const planBatch = (
  records: Iterable<KafkaRecord>,
  settings: ConsumeSettings,
  nowMs: number,
): BatchPlan => {
  const summary: BatchSummary = { received: 0, forwarded: 0, quarantined: {}, skipped: {}, dropped: {} };
  const forward: HubRecord[] = [];
  const quarantine: QuarantinedRecord[] = [];

  for (const record of records) {
    summary.received += 1;
    const { topic, partition, offset } = record;
    const ingestTimeMs = ingestTimeOf(record, nowMs);
    const headers = readHeaders(record.headers);

    const quarantineAs = (reason: QuarantineReason, detail: string): void => {
      quarantine.push({
        topic,
        partition,
        offset,
        timestamp: record.timestamp,
        timestampType: record.timestampType,
        ingestTimeMs,
        key: decodeKey(record.key),
        ...(headers.ok ? { headers: headers.headers } : { headers: [], rawHeaders: record.headers }),
        reason,
        detail,
        value: record.value ?? '',
      });
      increment(summary.quarantined, reason);
    };

    if (record.value === null) {
      increment(summary.skipped, 'tombstone');
      continue;
    }
    if (record.value === undefined || record.value === '') {
      increment(summary.skipped, 'no_value');
      continue;
    }

    if (!headers.ok) {
      quarantineAs('invalid_header', headers.detail);
      continue;
    }

    const decoded = decodeJsonObject(record.value, settings.maxValueBytes);
    if (!decoded.ok) {
      quarantineAs(decoded.reason, decoded.detail);
      continue;
    }

    const normalised = normaliseReading(
      decoded.value,
      { source: 'msk', ingestTimeMs, kafka: { topic, partition, offset } },
      settings.eventTime,
    );
    if (normalised.outcome === 'rejected') {
      quarantineAs(normalised.reason, normalised.detail);
      continue;
    }
    if (normalised.outcome === 'dropped') {
      increment(summary.dropped, normalised.reason);
      continue;
    }

    const partitionKey = normalised.record.device_id;
    // `canonicalRecordJson` writes JSON.stringify's bytes for a normalised record, in less time.
    const data = Buffer.from(canonicalRecordJson(normalised.record));
    // Kinesis counts the partition key against the record size limit.
    const size = data.length + Buffer.byteLength(partitionKey);
    if (size > settings.maxHubRecordBytes) {
      quarantineAs('oversized_record', `hub record of ${size} bytes, limit ${settings.maxHubRecordBytes}`);
      continue;
    }
    forward.push({ partitionKey, data, source: { topic, partition, offset } });
    summary.forwarded += 1;
  }

  return { forward, quarantine, summary };
};

/** One quarantine object: the quarantined records of one topic-partition, as JSON lines. */
export interface QuarantineObject {
  key: string;
  body: string;
}

/** The quarantine's folder, shared with the lake's error layout (`errors/<source>/dt=.../hour=.../`). */
export const QUARANTINE_PREFIX = KAFKA_QUARANTINE_PREFIX;

/**
 * Groups quarantined records into one object per topic-partition. Keys are deterministic (first
 * and last offset, hour of the first record's ingest time), so a retried batch overwrites its own
 * objects instead of adding copies; each line carries its coordinates for de-duplication anyway.
 */
export const quarantineObjects = (records: readonly QuarantinedRecord[]): QuarantineObject[] => {
  const groups = new Map<string, QuarantinedRecord[]>();
  for (const record of records) {
    const id = `${record.topic}-${record.partition}`;
    const group = groups.get(id);
    if (group) group.push(record);
    else groups.set(id, [record]);
  }
  return [...groups.entries()].map(([id, group]) => {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const { dt, hour } = partitionKeysFor(first.ingestTimeMs);
    return {
      key: `${QUARANTINE_PREFIX}dt=${dt}/hour=${hour}/${id}-${first.offset}-${last.offset}.ndjson`,
      body: group.map((record) => `${JSON.stringify(record)}\n`).join(''),
    };
  });
};
