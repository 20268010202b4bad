import type { RejectionReason } from '@pipeline/shared';

/** What a device's firmware would have sent, had it worked: the base of every bad record. */
export interface ReadingDraft {
  deviceId: string;
  timestamp: number | string;
  site: string;
  firmware?: string;
  location?: { lat: number; lon: number };
  metrics: Record<string, number | string>;
}

/**
 * One kind of broken message per reason the pipeline rejects, each shaped like a real fault (a
 * truncated write, a Fahrenheit reading, a gateway batching readings into an array, a clock reset).
 * `invalid_base64` and `response_size_limit` are absent: no producer can cause them (Firehose and
 * the MSK event source encode the bytes themselves; the transform's response limit needs a
 * processor buffer far above the 1 MB default).
 */
export const BAD_RECORD_KINDS: Record<
  Exclude<RejectionReason, 'invalid_base64' | 'response_size_limit'>,
  (draft: ReadingDraft, at: number) => Buffer
> = {
  empty_record: () => Buffer.alloc(0),
  // Diagnostics dumped into a reading: within a Kinesis record, far beyond the 64 KiB the
  // pipeline accepts.
  oversized_record: (draft) => json({ ...draft, diagnostics: 'x'.repeat(70 * 1024) }),
  invalid_utf8: (draft) =>
    Buffer.concat([
      Buffer.from(`{"deviceId":"${draft.deviceId}","site":"`),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]),
  // A write cut short (connection dropped mid-message).
  invalid_json: (draft) => json(draft).subarray(0, 40),
  // A gateway that batches readings into an array.
  not_an_object: (draft) => json([draft]),
  invalid_device_id: (draft) => json({ ...draft, deviceId: `${draft.deviceId} (spare)` }),
  invalid_event_time: (draft) => json({ ...draft, timestamp: 'not-synced' }),
  // Fahrenheit where Celsius is expected, far beyond the plausible range.
  invalid_metrics: (draft) => json({ ...draft, metrics: { ...draft.metrics, temperature: 451 } }),
  schema_violation: (draft) => json({ ...draft, location: { lat: 123.4, lon: 8.5 } }),
  // A clock set a day ahead, and one reset to an old date.
  event_time_in_future: (draft, at) => json({ ...draft, timestamp: new Date(at + 86_400_000).toISOString() }),
  event_time_too_old: (draft, at) =>
    json({ ...draft, timestamp: new Date(at - 30 * 86_400_000).toISOString() }),
};

export type BadRecordKind = keyof typeof BAD_RECORD_KINDS;

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * Kinds that reach msk-consumer as rejections. msk-consumer accepts values up to a hub record
 * (1 MiB), which Kafka's own 1 MB message limit refuses first; an empty value is skipped like a
 * tombstone, not rejected.
 */
export const KAFKA_BAD_RECORD_KINDS = (Object.keys(BAD_RECORD_KINDS) as BadRecordKind[]).filter(
  (kind) => kind !== 'oversized_record' && kind !== 'empty_record',
);

export const HUB_BAD_RECORD_KINDS = Object.keys(BAD_RECORD_KINDS) as BadRecordKind[];
