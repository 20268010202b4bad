import type { RejectionReason } from '@pipeline/shared';

/**
 * Why a Kafka record was quarantined: the shared reasons of every entry path, plus `invalid_header`
 * for a header that is not a list of bytes (see `readHeaders` in plan-batch.ts).
 */
export const KAFKA_REJECTION_REASONS = ['invalid_header'] as const;
export type QuarantineReason = RejectionReason | (typeof KAFKA_REJECTION_REASONS)[number];

/** Where a record sits in Kafka: enough to find it again (`kafka-console-consumer --offset`). */
export interface KafkaCoordinates {
  topic: string;
  partition: number;
  offset: number;
}

/** One record for the hub: the partition key decides the shard, and so the order it is read in. */
export interface HubRecord {
  partitionKey: string;
  data: Uint8Array;
  source: KafkaCoordinates;
}

/** Bytes decoded for people: UTF-8 text when the bytes are valid UTF-8, base64 otherwise (lossless). */
export interface DecodedBytes {
  value: string;
  encoding: 'utf8' | 'base64';
}

/**
 * A record that cannot go to the hub, with everything needed to inspect and replay it: its Kafka
 * coordinates and metadata, why it was refused, and the original value exactly as Kafka held it.
 */
export interface QuarantinedRecord extends KafkaCoordinates {
  timestamp: number;
  timestampType: string;
  /** When the pipeline took the record in (epoch ms); it places the record in the error prefix. */
  ingestTimeMs: number;
  key: DecodedBytes | null;
  headers: { name: string; value: DecodedBytes }[];
  /** The headers exactly as the event carried them, only when they could not be decoded. */
  rawHeaders?: unknown;
  reason: QuarantineReason;
  detail: string;
  /** The original value, base64 as in the MSK event. */
  value: string;
}

export interface HubWriteStats {
  /** PutRecords requests sent, retries included. */
  requests: number;
  /** Entries sent again after a failed attempt (per-entry failures or a failed request). */
  retriedEntries: number;
}

/** Port to the Kinesis hub. Adapters batch, retry failed entries and give up at the deadline. */
export interface HubWriter {
  put(records: readonly HubRecord[], budget: { deadlineMs: number }): Promise<HubWriteStats>;
}

/** Port to the quarantine store. Writing the same records twice must not lose or corrupt any. */
export interface Quarantine {
  put(records: readonly QuarantinedRecord[]): Promise<void>;
}

/**
 * The hub did not accept every record: it stayed unavailable beyond the time budget, or refused
 * the request outright. Thrown so the invocation fails and the event source mapping retries the
 * whole batch (records already written are written again: delivery is at least once, and
 * downstream de-duplicates on `event_id`).
 */
export class HubWriteError extends Error {
  override name = 'HubWriteError';

  constructor(
    message: string,
    readonly stats: HubWriteStats,
    readonly unwritten: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
