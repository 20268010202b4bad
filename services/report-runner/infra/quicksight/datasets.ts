/**
 * The QuickSight datasets of the opt-in dashboard (`quicksight=enabled`): one per relation the
 * static dashboard reads (`DASHBOARD_SOURCES`), plus every other report table, with the columns and
 * types the static page reads them with. Pure data: resources.ts turns it into resources.
 */
import { PARTITION_COLUMNS } from '@pipeline/shared';
import type { WarehouseColumnType } from '@pipeline/shared/warehouse';
import { DASHBOARD_SOURCES } from '@pipeline/dashboard';

/** A QuickSight input column type. https://docs.aws.amazon.com/quicksight/latest/APIReference/API_InputColumn.html */
export type QuickSightColumnType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME' | 'BOOLEAN';

const QUICKSIGHT_TYPES: Record<WarehouseColumnType, QuickSightColumnType> = {
  string: 'STRING',
  int: 'INTEGER',
  bigint: 'INTEGER',
  double: 'DECIMAL',
  timestamp: 'DATETIME',
  date: 'DATETIME',
  boolean: 'BOOLEAN',
};

/** A warehouse column type as QuickSight reads it. */
export const quickSightType = (type: WarehouseColumnType): QuickSightColumnType => QUICKSIGHT_TYPES[type];

/** A column of a dataset: name and warehouse type. */
export interface DatasetColumn {
  name: string;
  type: WarehouseColumnType;
}

/**
 * The calculated column every report dataset gets: the start of the report's hour, from its `dt`
 * and `hour` columns, so hourly charts have one time axis (the static page charts the same hours).
 */
export const HOUR_START = 'hour_start';

/**
 * Its expression. Over Athena `dt` is the Glue table's string partition (`yyyy-MM-dd`); in a
 * warehouse it is a DATE column. QuickSight's `addDateTime(amount, period, datetime)`,
 * `parseDate(text, format)` and `parseInt(text)`:
 * https://docs.aws.amazon.com/quicksight/latest/user/addDateTime-function.html
 */
export const hourStartExpression = (dtIsText: boolean): string =>
  `addDateTime(parseInt({hour}), 'HH', ${dtIsText ? "parseDate({dt}, 'yyyy-MM-dd')" : '{dt}'})`;

/** A dataset: its logical name (also the id part) and the relation it reads. */
export interface DatasetDefinition {
  /** The relation in the warehouse, and the Glue table over Athena. */
  relation: string;
  /** Hourly report (has `dt`, `hour` and {@link HOUR_START}) or a real-time table. */
  kind: 'report' | 'realtime';
  columns: DatasetColumn[];
  /**
   * The Glue table a real-time dataset reads over Athena: the windows view has no partition to
   * prune on, so its part table is read instead (the same count columns, summed by QuickSight).
   */
  athenaTable?: string;
}

const columnsOf = (columns: Readonly<Record<string, WarehouseColumnType>>): DatasetColumn[] =>
  Object.entries(columns).map(([name, type]) => ({ name, type }));

/** A report table: the warehouse table of a SQL report, all of its columns. */
export interface ReportTable {
  relation: string;
  columns: readonly DatasetColumn[];
}

/**
 * The query of a real-time dataset over Athena: only the `dt` partitions of the last
 * `lookbackHours` (the tables are partitioned by the window start's day), so its cost does not
 * grow with the stage's age. Portable: the local DuckDB engine runs it too.
 */
export const realtimeDatasetSql = (
  dataset: DatasetDefinition,
  relation: string,
  lookbackHours: number,
): string =>
  [
    `SELECT ${dataset.columns.map(({ name }) => name).join(', ')}`,
    `FROM ${relation}`,
    // `dt` is text (yyyy-MM-dd), as a DATE cast to text is in Trino and DuckDB alike (Athena's
    // session time zone is UTC, as the partitions are).
    `WHERE dt >= CAST(CAST(current_timestamp - INTERVAL '${lookbackHours}' HOUR AS DATE) AS VARCHAR)`,
  ].join('\n');

const PARTITIONS = new Set<string>(PARTITION_COLUMNS.map(({ name }) => name));

/**
 * A report table as its Glue table declares it over the report outputs (`reports/<report>/`): the
 * columns of the JSON objects report-runner writes, without `dt` and `hour`, which are partition
 * keys taken from the folder names. The local DuckDB engine reads the outputs with this same list.
 */
export const reportGlueTable = ({ relation, columns }: ReportTable): ReportTable => ({
  relation,
  columns: columns.filter(({ name }) => !PARTITIONS.has(name)),
});

/** Where a report table's outputs are in the reports bucket: `reports/<report>/`. */
export const reportTableFolder = (reportsPrefix: string, relation: string): string =>
  `${reportsPrefix}${relation.replace(/^report_/, '')}/`;

/**
 * The datasets: the real-time windows and alerts the static page reads, and every report table
 * (the four the page charts and the others, for analyses of their own).
 */
export const quickSightDatasets = (reports: readonly ReportTable[]): DatasetDefinition[] => [
  {
    relation: DASHBOARD_SOURCES.realtimeWindows.relation,
    kind: 'realtime',
    columns: columnsOf(DASHBOARD_SOURCES.realtimeWindows.columns),
    athenaTable: DASHBOARD_SOURCES.realtimeParts.relation,
  },
  {
    relation: DASHBOARD_SOURCES.realtimeAlerts.relation,
    kind: 'realtime',
    columns: columnsOf(DASHBOARD_SOURCES.realtimeAlerts.columns),
    athenaTable: DASHBOARD_SOURCES.realtimeAlerts.relation,
  },
  ...reports.map(({ relation, columns }) => ({ relation, kind: 'report' as const, columns: [...columns] })),
];

/**
 * The id of a dataset's physical and logical table: its relation, kebab-cased, since the keys of
 * `PhysicalTableMap` and `LogicalTableMap` match `^[0-9a-zA-Z-]*$` (no `_`) in the resource schema
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-quicksight-dataset.html).
 */
export const tableId = (relation: string): string => relation.replaceAll('_', '-');

/** `report_site_hourly_summary` -> `ReportSiteHourlySummary`: a logical id part. */
export const pascalCase = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('');

/** The logical id of a dataset resource. */
export const datasetLogicalId = (relation: string): string => `QuickSightDataSet${pascalCase(relation)}`;
