import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as ReleasedMetrics from '../../../shared/src/telemetry/metrics';

/**
 * A schema one metric ahead of the product's, for the schema evolution tests (docs/SCHEMA.md,
 * "Worked example"): the released metrics plus `co2_ppm`, appended as "Adding a metric" says.
 * A test fixture only; the product's metrics stay in `shared/src/telemetry/metrics.ts`.
 */
export const CO2_PPM = {
  label: 'CO₂',
  unit: 'ppm',
  min: 0,
  max: 10_000,
  anomaly: { min: 350, max: 5_000 },
} as const;

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

/** Every line of `sql` that reads or declares `like`, as SQL or as a `-- columns:` entry. */
const mentions = (line: string, like: string): boolean =>
  new RegExp(`^--\\s+${like}_\\w+ \\w+$`).test(line) ||
  (!line.trimStart().startsWith('--') && new RegExp(`\\b${like}\\b`).test(line));

/**
 * A report that reports `metric` the way it reports `like`, as a developer adding the metric
 * would extend it: each run of lines that declares or computes a `like` column is followed by a
 * copy for `metric` (the run's last line gets the comma the copy needs).
 */
export const reportWithMetricLike = (sql: string, like: string, metric: string): string => {
  const out: string[] = [];
  const lines = sql.split('\n');
  for (let index = 0; index < lines.length;) {
    if (!mentions(lines[index]!, like)) {
      out.push(lines[index]!);
      index += 1;
      continue;
    }
    const run: string[] = [];
    while (index < lines.length && mentions(lines[index]!, like)) run.push(lines[(index += 1) - 1]!);
    const sqlRun = !run[0]!.trimStart().startsWith('--');
    const copies = run.map((line) => line.replace(new RegExp(`\\b${like}(?=\\b|_)`, 'g'), metric));
    if (sqlRun && !run[run.length - 1]!.endsWith(',')) run[run.length - 1] += ',';
    out.push(...run, ...copies);
  }
  return out.join('\n');
};

/**
 * The released reports in `folder`, with device_hourly_stats reporting co2_ppm like battery: what
 * a developer adding the metric to that report would write. Point `REPORTS_SQL_DIR` at it.
 */
export const writeCo2Reports = async (releasedDirectory: string, folder: string): Promise<void> => {
  for (const file of await readdir(releasedDirectory)) {
    if (!file.endsWith('.sql')) continue;
    const sql = await readFile(path.join(releasedDirectory, file), 'utf8');
    await writeFile(
      path.join(folder, file),
      file === 'device_hourly_stats.sql' ? reportWithMetricLike(sql, 'battery', 'co2_ppm') : sql,
    );
  }
};
