import { hash } from 'node:crypto';
import type { MetricName } from './metrics';

/**
 * A deterministic id for a reading: the same device, event time and values always give the same id,
 * whichever path (IoT, Kinesis, MSK) and however many times it arrived. Downstream de-duplication
 * (reports, warehouse MERGE, real-time windows) keys on it. 128 bits of SHA-256, hex.
 */
export const eventIdFor = (
  deviceId: string,
  eventTimeMs: number,
  { temperature, humidity, pressure, battery }: Partial<Record<MetricName, number | null>>,
): string =>
  // Once per record, so on the hot path: one template instead of mapping METRIC_NAMES and joining
  // (0.9 instead of 1.1 µs with the hash). The values are in METRIC_NAMES order; a test fails when
  // that list changes, since a new metric changes the input of every id. `hash` is one-shot
  // createHash.
  hash(
    'sha256',
    `${deviceId}|${eventTimeMs}|${temperature ?? ''},${humidity ?? ''},${pressure ?? ''},${battery ?? ''}`,
    'hex',
  ).slice(0, 32);
