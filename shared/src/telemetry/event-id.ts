import { hash } from 'node:crypto';
import { METRIC_NAMES, type MetricName } from './metrics';

/**
 * A deterministic id for a reading: the same device, event time and values always give the same id,
 * whichever path (IoT, Kinesis, MSK) and however many times it arrived. Downstream de-duplication
 * (reports, warehouse MERGE, real-time windows) keys on it. 128 bits of SHA-256, hex.
 */
export const eventIdFor = (
  deviceId: string,
  eventTimeMs: number,
  metrics: Partial<Record<MetricName, number | null>>,
): string => {
  // Once per record, so it is on the hot path: `join` is much slower over numbers than over
  // strings, and String(n) is the conversion it applies anyway. `hash` is one-shot createHash.
  const values = METRIC_NAMES.map((name) => String(metrics[name] ?? '')).join(',');
  return hash('sha256', `${deviceId}|${eventTimeMs}|${values}`, 'hex').slice(0, 32);
};
