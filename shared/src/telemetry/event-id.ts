import { createHash } from 'node:crypto';
import { METRIC_NAMES, type MetricName } from './metrics';

/**
 * A deterministic id for a reading: the same device, event time and values always give the same id,
 * whichever path (IoT, Kinesis, MSK) and however many times it arrived. Downstream de-duplication
 * (reports, warehouse MERGE, real-time windows) keys on it. 128 bits of SHA-256, hex.
 */
export const eventIdFor = (
  deviceId: string,
  eventTimeMs: number,
  metrics: Partial<Record<MetricName, number>>,
): string => {
  const values = METRIC_NAMES.map((name) => metrics[name] ?? '').join(',');
  return createHash('sha256').update(`${deviceId}|${eventTimeMs}|${values}`).digest('hex').slice(0, 32);
};
