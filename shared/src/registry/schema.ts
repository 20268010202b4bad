import { z } from 'zod';
import { METRICS, type MetricName } from '../telemetry/metrics';
import { IdentifierSchema } from '../telemetry/raw-reading';

/**
 * Where the registry lives in the ingest bucket: the Glue table `device_registry` reads every object
 * under the prefix, so it holds exactly one, the registry (JSON Lines, the stored form).
 */
export const REGISTRY_PREFIX = 'reference/devices/';
/** The default registry key (parameter `registryKey`, env `REGISTRY_KEY`). */
export const DEFAULT_REGISTRY_KEY = `${REGISTRY_PREFIX}registry.jsonl`;

/** Glue/Hive column types of the registry table (read by Athena through the JSON SerDe). */
export type RegistryGlueType = 'string' | 'double';

interface RegistryColumn<S extends z.ZodType> {
  glueType: RegistryGlueType;
  schema: S;
  comment: string;
}

const column = <S extends z.ZodType>(
  glueType: RegistryGlueType,
  schema: S,
  comment: string,
): RegistryColumn<S> => ({ glueType, schema, comment });

/** Free-text labels: anything printable on one line, short enough for a dashboard cell. */
const label = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
  .nullable()
  .default(null);

const threshold = (metric: MetricName) =>
  z.number().min(METRICS[metric].min).max(METRICS[metric].max).nullable().default(null);

/**
 * The device registry, one definition for the zod validator, the TypeScript type, the Glue table
 * `device_registry` and the DuckDB view over it. Order matters: it is the column order everywhere
 * (CSV files may order their header as they like). Only `device_id` and `site` are required; the
 * other columns are null when absent or empty.
 */
export const REGISTRY_COLUMNS = {
  device_id: column('string', IdentifierSchema, 'Device id, as the device sends it'),
  site: column('string', IdentifierSchema, 'Site the device belongs to; wins over the site the device sends'),
  model: column('string', label, 'Hardware model'),
  owner: column('string', label, 'Team or customer owning the device'),
  location: column('string', label, 'Where the device is installed (free-text label)'),
  install_date: column('string', z.iso.date().nullable().default(null), 'Installation date, YYYY-MM-DD'),
  temperature_min: column('double', threshold('temperature'), 'Alert below this temperature (°C)'),
  temperature_max: column('double', threshold('temperature'), 'Alert above this temperature (°C)'),
  humidity_min: column('double', threshold('humidity'), 'Alert below this relative humidity (%)'),
  humidity_max: column('double', threshold('humidity'), 'Alert above this relative humidity (%)'),
  pressure_min: column('double', threshold('pressure'), 'Alert below this pressure (hPa)'),
  pressure_max: column('double', threshold('pressure'), 'Alert above this pressure (hPa)'),
  battery_min: column('double', threshold('battery'), 'Alert below this battery level (%)'),
  battery_max: column('double', threshold('battery'), 'Alert above this battery level (%)'),
} as const;

type Columns = typeof REGISTRY_COLUMNS;
export type RegistryColumnName = keyof Columns;

/** The registry's column names, in column order. */
export const REGISTRY_COLUMN_NAMES = Object.keys(REGISTRY_COLUMNS) as RegistryColumnName[];

/** Registry columns holding numbers (per-device thresholds); the rest are strings. */
export const REGISTRY_NUMERIC_COLUMNS: ReadonlySet<RegistryColumnName> = new Set(
  REGISTRY_COLUMN_NAMES.filter((name) => REGISTRY_COLUMNS[name].glueType === 'double'),
);

/**
 * One registry entry. Unknown fields are refused (a misspelt `temprature_max` must not be ignored
 * silently), and a threshold pair must not be inverted.
 */
export const DeviceRegistryEntrySchema = z
  .strictObject(
    Object.fromEntries(REGISTRY_COLUMN_NAMES.map((name) => [name, REGISTRY_COLUMNS[name].schema])) as {
      [K in RegistryColumnName]: Columns[K]['schema'];
    },
  )
  .superRefine((entry, context) => {
    for (const metric of Object.keys(METRICS) as MetricName[]) {
      const min = entry[`${metric}_min`];
      const max = entry[`${metric}_max`];
      if (min !== null && max !== null && min > max)
        context.addIssue({
          code: 'custom',
          path: [`${metric}_min`],
          message: `${metric}_min (${min}) is above ${metric}_max (${max})`,
        });
    }
  });

/** A registry entry with every column present (null when not set). */
export type DeviceRegistryEntry = z.output<typeof DeviceRegistryEntrySchema>;

/** Registry entries by device id. */
export type DeviceRegistry = ReadonlyMap<string, DeviceRegistryEntry>;

/** Glue `Columns` entries, in order, for the `device_registry` table. */
export const registryGlueColumns = (): {
  Name: RegistryColumnName;
  Type: RegistryGlueType;
  Comment: string;
}[] =>
  REGISTRY_COLUMN_NAMES.map((name) => ({
    Name: name,
    Type: REGISTRY_COLUMNS[name].glueType,
    Comment: REGISTRY_COLUMNS[name].comment,
  }));

/** The per-device thresholds of an entry for one metric; null bounds fall back to the defaults. */
export const registryThresholds = (
  entry: DeviceRegistryEntry,
  metric: MetricName,
): { min: number | null; max: number | null } => ({
  min: entry[`${metric}_min`],
  max: entry[`${metric}_max`],
});
