import { z } from 'zod';
import { METRIC_NAMES, METRICS, type MetricName } from './metrics';
import { IdentifierSchema } from './raw-reading';

/** Glue/Hive column types used by the lake (Parquet through Firehose record format conversion). */
export type GlueType = 'string' | 'timestamp' | 'double' | 'int' | 'bigint' | 'boolean';

interface Column<S extends z.ZodType> {
  glueType: GlueType;
  schema: S;
  comment: string;
}

const column = <S extends z.ZodType>(glueType: GlueType, schema: S, comment: string): Column<S> => ({
  glueType,
  schema,
  comment,
});

/** Timestamps travel as ISO-8601 UTC with milliseconds, the format the Glue deserializer is told to read. */
const UtcTimestamp = z.iso.datetime({ precision: 3 });
const nullableDouble = z.number().nullable();

/** One nullable double column per metric, in `METRICS` order: a reading carries the metrics it measured. */
const metricColumns = Object.fromEntries(
  METRIC_NAMES.map((name) => [
    name,
    column('double', nullableDouble, `${METRICS[name].label} in ${METRICS[name].unit}`),
  ]),
) as { [K in MetricName]: Column<typeof nullableDouble> };
/** Registry labels: free text on one line (the registry schema checks them when the file is loaded). */
const registryLabel = z.string().nullable().default(null);

/**
 * The canonical lake record: one definition from which the TypeScript type, the zod validator, the
 * Glue table columns (and so Firehose's Parquet schema and Athena's view), the warehouse DDL and
 * the local DuckDB views are all derived. Order matters: it is the column order everywhere.
 */
export const CANONICAL_COLUMNS = {
  event_id: column('string', z.string().regex(/^[0-9a-f]{32}$/), 'Deterministic id: same reading, same id'),
  device_id: column('string', IdentifierSchema, 'Device that produced the reading'),
  site: column('string', IdentifierSchema.nullable(), 'Site the device reports from, if known'),
  firmware: column('string', IdentifierSchema.nullable(), 'Firmware version, if sent'),
  latitude: column('double', z.number().min(-90).max(90).nullable(), 'WGS84 latitude, if sent'),
  longitude: column('double', z.number().min(-180).max(180).nullable(), 'WGS84 longitude, if sent'),
  event_time: column('timestamp', UtcTimestamp, 'When the device took the reading (UTC)'),
  ingest_time: column('timestamp', UtcTimestamp, 'When the pipeline first saw the record (UTC)'),
  source: column('string', z.enum(['kinesis', 'msk']), 'Path into the hub: kinesis (IoT/SDK) or msk'),
  schema_version: column('int', z.number().int().positive(), 'Version of this record layout'),
  ...metricColumns,
  kafka_topic: column('string', z.string().nullable(), 'Kafka topic, for records that came through MSK'),
  kafka_partition: column('int', z.number().int().nonnegative().nullable(), 'Kafka partition (MSK only)'),
  kafka_offset: column('bigint', z.number().int().nonnegative().nullable(), 'Kafka offset (MSK only)'),
  // Enrichment from the device registry (ingest-transform). The defaults keep records forwarded by
  // an msk-consumer deployed before these columns valid: they arrive without them.
  registered: column('boolean', z.boolean().default(false), 'Whether the device is in the device registry'),
  model: column('string', registryLabel, 'Hardware model, from the device registry'),
  owner: column('string', registryLabel, 'Team or customer owning the device, from the device registry'),
  location_label: column(
    'string',
    registryLabel,
    'Where the device is installed, from the device registry (latitude/longitude are what the device sends)',
  ),
  install_date: column(
    'string',
    z.iso.date().nullable().default(null),
    'Installation date (YYYY-MM-DD), from the device registry',
  ),
} as const;

export const SCHEMA_VERSION = 1;

type Columns = typeof CANONICAL_COLUMNS;
export type ColumnName = keyof Columns;

export const CanonicalRecordSchema = z.strictObject(
  Object.fromEntries(Object.entries(CANONICAL_COLUMNS).map(([name, { schema }]) => [name, schema])) as {
    [K in ColumnName]: Columns[K]['schema'];
  },
);

export type CanonicalRecord = z.infer<typeof CanonicalRecordSchema>;

/** The lake's partition keys, computed from the event time (UTC) and never stored as columns. */
export const PARTITION_COLUMNS = [
  { name: 'dt', glueType: 'string', comment: 'Event date, UTC, yyyy-MM-dd' },
  { name: 'hour', glueType: 'string', comment: 'Event hour, UTC, HH' },
] as const;

/** Glue `Columns` entries, in order, for the lake table. */
export const glueColumns = (): { Name: ColumnName; Type: GlueType; Comment: string }[] =>
  (Object.entries(CANONICAL_COLUMNS) as [ColumnName, Column<z.ZodType>][]).map(
    ([name, { glueType, comment }]) => ({
      Name: name,
      Type: glueType,
      Comment: comment,
    }),
  );
