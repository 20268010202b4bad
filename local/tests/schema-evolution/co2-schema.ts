import path from 'node:path';
import type * as ReleasedMetrics from '../../../shared/src/telemetry/metrics';

/**
 * A schema one metric ahead of the product's, for the schema evolution tests (docs/SCHEMA.md,
 * "Worked example"): the released metrics plus `co2_ppm`, appended as "Adding a metric" says.
 * A test fixture only; the product's metrics stay in `shared/src/telemetry/metrics.ts`.
 */
export const CO2_PPM = { label: 'CO₂', unit: 'ppm', min: 0, max: 10_000 } as const;

/** The one module every metric list (raw schema, columns, Glue, warehouse, views, fleet) derives from. */
const METRICS_MODULE = path.resolve(__dirname, '..', '..', '..', 'shared', 'src', 'telemetry', 'metrics.ts');

/**
 * Loads modules as a deployment of the co2 schema would run them: inside a fresh jest module
 * registry whose metrics module is the released one plus `co2_ppm`, so everything `load` imports
 * (with `await import(...)`: the services, the local cloud, the fleet) derives its metric lists from it, as it would from an
 * edited `METRICS`. Modules imported outside keep the released schema.
 */
export const withCo2Schema = async <T>(load: () => Promise<T>): Promise<T> => {
  let loaded: { value: T } | undefined;
  await jest.isolateModulesAsync(async () => {
    jest.doMock(METRICS_MODULE, () => {
      const released = jest.requireActual<typeof ReleasedMetrics>(METRICS_MODULE);
      const METRICS = { ...released.METRICS, co2_ppm: CO2_PPM };
      return { METRICS, METRIC_NAMES: Object.keys(METRICS) };
    });
    loaded = { value: await load() };
  });
  if (!loaded) throw new Error('jest.isolateModulesAsync did not run its callback');
  return loaded.value;
};
