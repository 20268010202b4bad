import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SERVICES = path.join(__dirname, '../../../services');

/** A base64 payload as a JSON object, or undefined when it is not one (the bad-record samples). */
const decode = (base64: unknown): Record<string, unknown> | undefined => {
  if (typeof base64 !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** The payloads of a captured event: Firehose `records[].data`, MSK `records{}[].value`, Kinesis `Records[].kinesis.data`. */
const payloads = (event: Record<string, unknown>): unknown[] => {
  const { records, Records } = event as {
    records?: { data?: unknown }[] | Record<string, { value?: unknown }[]>;
    Records?: { kinesis?: { data?: unknown } }[];
  };
  if (Array.isArray(records)) return records.map((record) => record.data);
  if (records) return Object.values(records).flatMap((batch) => batch.map((record) => record.value));
  return (Records ?? []).map((record) => record.kinesis?.data);
};

/**
 * Every message carried by the captured events in `services/<service>/events/` (device readings,
 * heartbeats and canonical records), keyed `<service>/<file>#<index>`.
 */
export const sampleMessages = (): [string, Record<string, unknown>][] =>
  readdirSync(SERVICES)
    .sort()
    .flatMap((service) => {
      const folder = path.join(SERVICES, service, 'events');
      let files: string[];
      try {
        files = readdirSync(folder).filter((file) => file.endsWith('.json'));
      } catch {
        return [];
      }
      return files.sort().flatMap((file) => {
        const event = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as Record<string, unknown>;
        return payloads(event).flatMap((payload, index) => {
          const message = decode(payload);
          return message
            ? [[`${service}/${file}#${index}`, message] as [string, Record<string, unknown>]]
            : [];
        });
      });
    });
