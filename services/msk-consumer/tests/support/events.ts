import type { MSKEvent, MSKRecord } from 'aws-lambda';
import poison from '../../events/msk-poison.json';
import signedHeaders from '../../events/msk-signed-headers.json';
import telemetry from '../../events/msk-telemetry.json';

/** An MSK event as Lambda sends it, where a tombstone's value is null and keys may be missing. */
export type RawMskEvent = Omit<MSKEvent, 'records'> & { records: Record<string, RawKafkaRecord[]> };
export type RawKafkaRecord = Omit<MSKRecord, 'key' | 'value'> & {
  key?: string | null;
  value?: string | null;
};

const EVENTS = {
  'msk-telemetry': telemetry,
  'msk-poison': poison,
  'msk-signed-headers': signedHeaders,
} as Record<string, unknown>;

/** A fresh copy of one of the service's sample events (`events/<name>.json`), safe to mutate. */
export const mskEvent = (name: 'msk-telemetry' | 'msk-poison' | 'msk-signed-headers'): RawMskEvent =>
  structuredClone(EVENTS[name]) as RawMskEvent;

export const b64 = (value: string | Uint8Array): string => Buffer.from(value).toString('base64');

/** A Kafka record of the telemetry topic carrying `message` as JSON, for edge cases. */
export const kafkaRecord = (message: unknown, overrides: Partial<RawKafkaRecord> = {}): RawKafkaRecord => ({
  topic: 'telemetry',
  partition: 0,
  offset: 1,
  timestamp: Date.parse('2026-11-25T08:00:05.000Z'),
  timestampType: 'CREATE_TIME',
  key: b64('dev-0001'),
  value: b64(JSON.stringify(message)),
  headers: [],
  ...overrides,
});

/** A valid device reading, taken at 08:00:00 UTC on the sample events' day. */
export const reading = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  deviceId: 'dev-0001',
  timestamp: '2026-11-25T08:00:00.000Z',
  metrics: { temperature: 21.5 },
  ...overrides,
});

/** "Now" in the tests: a few seconds after the sample events' Kafka timestamps. */
export const NOW = Date.parse('2026-11-25T08:02:00.000Z');
