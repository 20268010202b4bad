import { createHash } from 'node:crypto';
import { eventIdFor, POSITIONAL_ID_METRICS, type MetricName } from '../src';

/** The id as first written: SHA-256 of `device|time|values of the first four metrics`, hex, 32 characters. */
const reference = (
  deviceId: string,
  eventTimeMs: number,
  metrics: Partial<Record<MetricName, number | null>>,
): string =>
  createHash('sha256')
    .update(
      `${deviceId}|${eventTimeMs}|${POSITIONAL_ID_METRICS.map((name) => metrics[name] ?? '').join(',')}`,
    )
    .digest('hex')
    .slice(0, 32);

/** xorshift32, seeded: the same values on every run. */
const random = (seed: number): (() => number) => {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
};

describe('eventIdFor', () => {
  it('gives the id of the reference implementation for 100,000 generated readings', () => {
    const next = random(11);
    const value = (): number | null | undefined => {
      const kind = next();
      if (kind < 0.15) return null;
      if (kind < 0.3) return undefined;
      if (kind < 0.4) return [0, -0, 1e21, 1e-7, 5e-324, -59.5, 100][Math.floor(next() * 7)];
      return Number((next() * 1100).toFixed(Math.floor(next() * 4)));
    };
    const mismatches: unknown[] = [];
    for (let index = 0; index < 100_000; index += 1) {
      const deviceId = `dev-${Math.floor(next() * 10_000)}`;
      const eventTimeMs = Math.floor(next() * 2e12);
      const metrics: Partial<Record<MetricName, number | null>> = {};
      for (const name of POSITIONAL_ID_METRICS) {
        const metric = value();
        if (metric !== undefined) metrics[name] = metric;
      }
      if (eventIdFor(deviceId, eventTimeMs, metrics) !== reference(deviceId, eventTimeMs, metrics)) {
        mismatches.push({ deviceId, eventTimeMs, metrics });
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('reads only the metrics from a canonical record', () => {
    const metrics = { temperature: 21.7, humidity: null, pressure: 1012.8, battery: 87 };
    const record = { device_id: 'dev-0001', site: 'plant-berlin', latitude: 52.5, ...metrics };
    expect(eventIdFor('dev-0001', 1795593598250, record)).toBe(reference('dev-0001', 1795593598250, metrics));
  });
});
