/**
 * The quarantine: everything the pipeline rejected, queryable by SQL. Each rejecting hop keeps its
 * own record shape in its own prefix (one table per source, read as the hop wrote it); the view
 * `quarantine` maps them onto the common columns. One definition serves the Glue tables and view
 * (ingest-transform, msk-consumer) and the local DuckDB engine, so
 * `SELECT reason, count(*) FROM quarantine GROUP BY reason` reads the same rows in both.
 *
 * The SQL expressions are written in the subset Athena (Trino) and DuckDB both run; the local
 * engine adds the Trino functions DuckDB lacks as macros (`local/src/engines/trino-compat.ts`).
 */

/** Which hop rejected a record. */
export const QUARANTINE_SOURCES = ['transform', 'firehose', 'kafka', 'iot'] as const;
export type QuarantineSource = (typeof QUARANTINE_SOURCES)[number];

/** The name of the view over every source (the production books count error records through it). */
export const QUARANTINE_VIEW = 'quarantine';

/** A Glue column type: the lake's scalar types, plus the nested types the hops' records use. */
export type QuarantineGlueType = string;

export interface QuarantineColumn {
  name: string;
  glueType: QuarantineGlueType;
  comment: string;
}

/** The view's columns, in order: what every rejected record has, whatever rejected it. */
export const QUARANTINE_COLUMNS = [
  {
    name: 'reason',
    glueType: 'string',
    comment: 'Why it was rejected (a rejection reason or an AWS error code)',
  },
  {
    name: 'source',
    glueType: 'string',
    comment: 'The hop that rejected it: transform, firehose, kafka, iot',
  },
  { name: 'device_id', glueType: 'string', comment: 'The device, when the record shows one' },
  { name: 'received_at', glueType: 'timestamp', comment: 'When the pipeline took it in (UTC)' },
  { name: 'payload', glueType: 'string', comment: 'The original bytes, base64' },
  { name: 'detail', glueType: 'string', comment: 'What was wrong, in words' },
  { name: 'dt', glueType: 'string', comment: 'Partition: date received, UTC, yyyy-MM-dd' },
  { name: 'hour', glueType: 'string', comment: 'Partition: hour received, UTC, HH' },
] as const satisfies readonly QuarantineColumn[];

export type QuarantineColumnName = (typeof QUARANTINE_COLUMNS)[number]['name'];
export const QUARANTINE_COLUMN_NAMES: readonly QuarantineColumnName[] = QUARANTINE_COLUMNS.map(
  ({ name }) => name,
);

/** The rejection reasons of Firehose error records the view counts under their own source. */
export const FIREHOSE_PROCESSING_FAILED_CODE = 'Lambda.ProcessingFailedStatus';

/** Where a source's objects live: the ingest bucket, or msk-consumer's quarantine bucket. */
export type QuarantineBucket = 'ingest' | 'kafka-quarantine';

export interface QuarantineTable {
  source: QuarantineSource;
  /** Glue (and DuckDB) table name. */
  name: string;
  description: string;
  bucket: QuarantineBucket;
  /** Objects live under `<prefix>dt=YYYY-MM-DD/hour=HH/` (Firehose: `<prefix><error type>/dt=.../`). */
  prefix: string;
  /** Firehose's error output types, the one path level between the prefix and `dt=` (enum projection). */
  errorOutputTypes?: readonly string[];
  /** The record's own fields, as the hop writes them (JSON lines). */
  columns: readonly QuarantineColumn[];
  /** Each view column as an expression over this table. */
  select: Readonly<Record<Exclude<QuarantineColumnName, 'source' | 'dt' | 'hour'>, string>>;
  /** Rows of this table the view leaves out. */
  where?: string;
}

const epochMs = (column: string) => `CAST(from_unixtime(${column} / 1000.0) AS timestamp)`;

/**
 * The transform's own record of each `ProcessingFailed` it returned, with its reason: Firehose
 * keeps only `errorCode: Lambda.ProcessingFailedStatus` and the original `rawData` of such a record
 * (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html), so the
 * reason would otherwise be lost. Written by the transform handler (`TransformQuarantineRecord`).
 */
export const TRANSFORM_QUARANTINE_PREFIX = 'errors/transform/';
/** AWS IoT rule error action objects (ingest-transform's topic rule `ErrorAction`). */
export const IOT_QUARANTINE_PREFIX = 'errors/iot-rule/';
/** Firehose's error output (`errors/!{firehose:error-output-type}/dt=.../hour=.../`). */
export const FIREHOSE_ERRORS_PREFIX = 'errors/';
/** msk-consumer's quarantine bucket. */
export const KAFKA_QUARANTINE_PREFIX = 'errors/msk/';

/** One line of the transform's quarantine objects. */
export interface TransformQuarantineRecord {
  reason: string;
  device_id: string | null;
  /**
   * Firehose's arrival of the record (the event's `approximateArrivalTimestamp`, which Firehose's
   * own error records name `arrivalTimestamp`), epoch ms.
   */
  received_at_ms: number;
  /** The original record data, base64, exactly as Firehose passed it. */
  payload: string;
  detail: string;
  record_id: string;
}

export const QUARANTINE_TABLES: readonly QuarantineTable[] = [
  {
    source: 'transform',
    name: 'quarantine_transform',
    description: 'Records the transform returned as ProcessingFailed, with its reason',
    bucket: 'ingest',
    prefix: TRANSFORM_QUARANTINE_PREFIX,
    columns: [
      { name: 'reason', glueType: 'string', comment: 'The rejection reason' },
      { name: 'device_id', glueType: 'string', comment: 'The device id, when the record shows one' },
      { name: 'received_at_ms', glueType: 'bigint', comment: 'Firehose arrival, epoch ms' },
      { name: 'payload', glueType: 'string', comment: 'The original data, base64' },
      { name: 'detail', glueType: 'string', comment: 'What was wrong' },
      { name: 'record_id', glueType: 'string', comment: 'Firehose record id' },
    ],
    select: {
      reason: 'reason',
      device_id: 'device_id',
      received_at: epochMs('received_at_ms'),
      payload: 'payload',
      detail: 'detail',
    },
    // A record whose batch Firehose finally gave up on (every invocation attempt failed, e.g. a
    // response over 6 MB) is in Firehose's error output with that error code: it counts there, once.
    where: `NOT EXISTS (SELECT 1 FROM "quarantine_firehose" AS failed WHERE failed.rawData = payload AND failed.arrivalTimestamp = received_at_ms AND coalesce(failed.errorCode, '') <> '${FIREHOSE_PROCESSING_FAILED_CODE}')`,
  },
  {
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html and
    // https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
    // (that page spells the code ErrorCode in one version and lastErrorCode in another; the JSON
    // SerDe matches keys case-insensitively).
    source: 'firehose',
    name: 'quarantine_firehose',
    description: 'Firehose error output: whole batches whose transform invocation failed, format conversion',
    bucket: 'ingest',
    prefix: FIREHOSE_ERRORS_PREFIX,
    errorOutputTypes: ['processing-failed', 'format-conversion-failed'],
    columns: [
      { name: 'attemptsMade', glueType: 'bigint', comment: 'Invocation attempts' },
      { name: 'arrivalTimestamp', glueType: 'bigint', comment: 'Arrival, epoch ms' },
      { name: 'errorCode', glueType: 'string', comment: 'Firehose error code' },
      { name: 'errorMessage', glueType: 'string', comment: 'Firehose error message' },
      { name: 'lastErrorCode', glueType: 'string', comment: 'Format conversion error code' },
      { name: 'lastErrorMessage', glueType: 'string', comment: 'Format conversion error message' },
      { name: 'rawData', glueType: 'string', comment: 'The record, base64' },
    ],
    select: {
      reason: 'coalesce(errorCode, lastErrorCode)',
      device_id: 'CAST(NULL AS varchar)',
      received_at: epochMs('arrivalTimestamp'),
      payload: 'rawData',
      detail: 'coalesce(errorMessage, lastErrorMessage)',
    },
    // The transform's own records carry these with their reason.
    where: `coalesce(errorCode, '') <> '${FIREHOSE_PROCESSING_FAILED_CODE}'`,
  },
  {
    source: 'kafka',
    name: 'quarantine_kafka',
    description: 'Kafka records msk-consumer quarantined (QuarantinedRecord, services/msk-consumer)',
    bucket: 'kafka-quarantine',
    prefix: KAFKA_QUARANTINE_PREFIX,
    columns: [
      { name: 'topic', glueType: 'string', comment: 'Kafka topic' },
      { name: 'partition', glueType: 'int', comment: 'Kafka partition' },
      { name: 'offset', glueType: 'bigint', comment: 'Kafka offset' },
      { name: 'ingestTimeMs', glueType: 'bigint', comment: 'When msk-consumer took it in, epoch ms' },
      { name: 'key', glueType: 'struct<value:string,encoding:string>', comment: 'Kafka key' },
      { name: 'reason', glueType: 'string', comment: 'The rejection reason' },
      { name: 'detail', glueType: 'string', comment: 'What was wrong' },
      { name: 'value', glueType: 'string', comment: 'The original value, base64' },
    ],
    select: {
      reason: 'reason',
      // Producers key by device id; a key that is not text shows no device.
      device_id: `CASE WHEN "key".encoding = 'utf8' THEN "key".value END`,
      received_at: epochMs('ingestTimeMs'),
      payload: '"value"',
      detail: 'detail',
    },
  },
  {
    // https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html: one message
    // per rule and message, with every failed action. The topic is <prefix>/<device id>.
    source: 'iot',
    name: 'quarantine_iot',
    description: 'Messages the IoT topic rule could not put into the hub (its error action)',
    bucket: 'ingest',
    prefix: IOT_QUARANTINE_PREFIX,
    columns: [
      { name: 'ruleName', glueType: 'string', comment: 'The topic rule' },
      { name: 'topic', glueType: 'string', comment: 'The MQTT topic' },
      { name: 'clientId', glueType: 'string', comment: 'The MQTT client id' },
      { name: 'base64OriginalPayload', glueType: 'string', comment: 'The message, base64' },
      {
        name: 'failures',
        glueType: 'array<struct<failedAction:string,failedResource:string,errorMessage:string>>',
        comment: 'The actions that failed',
      },
    ],
    select: {
      reason: `concat('iot_', failures[1].failedAction)`,
      device_id: `split_part(topic, '/', 2)`,
      // The message carries no time; the object's partition (the rule's timestamp()) does.
      received_at: `CAST(concat(dt, ' ', hour, ':00:00') AS timestamp)`,
      payload: 'base64OriginalPayload',
      detail: 'failures[1].errorMessage',
    },
  },
];

export const quarantineTable = (source: QuarantineSource): QuarantineTable => {
  const table = QUARANTINE_TABLES.find((candidate) => candidate.source === source);
  if (!table) throw new RangeError(`no quarantine table for ${source}`);
  return table;
};

/** The partition folder of one hour under a source's prefix. */
export const quarantinePartitionPrefix = (prefix: string, { dt, hour }: { dt: string; hour: string }) =>
  `${prefix}dt=${dt}/hour=${hour}/`;

/**
 * The view's SELECT: every source's rows with the common columns, in `QUARANTINE_COLUMNS` order.
 * `qualify` names a table (Athena's view text is resolved in the view's own database).
 */
export const quarantineViewSelect = (qualify: (table: string) => string = (table) => `"${table}"`): string =>
  QUARANTINE_TABLES.map(({ source, name, select, where }) => {
    const columns = QUARANTINE_COLUMN_NAMES.map((column) => {
      if (column === 'source') return `'${source}' AS "source"`;
      if (column === 'dt' || column === 'hour') return `"${column}"`;
      return `${select[column]} AS "${column}"`;
    });
    return `SELECT ${columns.join(', ')} FROM ${qualify(name)}${where ? ` WHERE ${where}` : ''}`;
  }).join('\nUNION ALL\n');

/** The Presto (Athena) type of each view column, as an Athena view's metadata names it. */
export const QUARANTINE_PRESTO_TYPES: Readonly<Record<string, string>> = {
  string: 'varchar',
  // Athena's timestamps have millisecond precision.
  timestamp: 'timestamp(3)',
};
