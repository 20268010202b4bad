import { METRIC_NAMES } from '@pipeline/shared';
import { SOURCES } from './device-aggregate';
import { WINDOW_VIEW_NAME, WINDOW_VIEW_SQL } from './realtime-tables';

/** A column of the merged-window view: its Trino (Athena) type and the Hive type Glue records. */
interface ViewColumn {
  name: string;
  trino: 'varchar' | 'timestamp(3)' | 'bigint' | 'integer' | 'double';
}

const HIVE_TYPES: Record<ViewColumn['trino'], string> = {
  varchar: 'string',
  'timestamp(3)': 'timestamp',
  bigint: 'bigint',
  integer: 'int',
  double: 'double',
};

const columns = (trino: ViewColumn['trino'], ...names: string[]): ViewColumn[] =>
  names.map((name) => ({ name, trino }));

/**
 * The output columns of {@link WINDOW_VIEW_SQL}, in order (a test runs the SQL and compares). The
 * Athena view casts each one to the type declared here, so the declared and computed types agree:
 * Athena calls a view whose stored column types differ from its query's "stale".
 */
export const WINDOW_VIEW_COLUMNS: readonly ViewColumn[] = [
  ...columns('varchar', 'device_id'),
  ...columns('timestamp(3)', 'window_start', 'window_end'),
  ...columns('bigint', 'event_count', 'duplicate_count', 'unverified_count'),
  ...columns('timestamp(3)', 'first_event_time', 'last_event_time'),
  ...columns('integer', 'source_count'),
  ...columns('bigint', ...SOURCES.map((source) => `${source}_count`)),
  ...METRIC_NAMES.flatMap((metric) => [
    ...columns('bigint', `${metric}_count`),
    ...columns('double', `${metric}_min`, `${metric}_max`, `${metric}_avg`),
  ]),
  ...columns('bigint', 'segment_count'),
  ...columns('timestamp(3)', 'written_at'),
];

/** The view's query as Athena stores it: the shared view SQL, each column cast to its declared type. */
export const ATHENA_WINDOW_VIEW_SQL = [
  'SELECT',
  WINDOW_VIEW_COLUMNS.map(({ name, trino }) => `  CAST(${name} AS ${trino}) AS ${name}`).join(',\n'),
  'FROM (',
  WINDOW_VIEW_SQL,
  ') AS merged',
].join('\n');

/**
 * The view as a Glue table, in the form Athena itself writes for `CREATE VIEW`: `VIRTUAL_VIEW`,
 * `presto_view=true`, and the view (SQL, catalog, schema, Trino column types) as base64 JSON in
 * `ViewOriginalText`. This form is what Athena reads but AWS does not document it; it follows
 * iconara/terraform-aws-athena-view (main.tf). The schema resolves the unqualified table name.
 */
export const athenaViewTable = (database: string): { Type: string; Properties: Record<string, unknown> } => ({
  Type: 'AWS::Glue::Table',
  Properties: {
    CatalogId: { Ref: 'AWS::AccountId' },
    DatabaseName: database,
    TableInput: {
      Name: WINDOW_VIEW_NAME,
      Description: 'Real-time per-device windows, segments merged (analytics-sink, Athena view)',
      TableType: 'VIRTUAL_VIEW',
      Parameters: { presto_view: 'true', comment: 'Presto View' },
      ViewOriginalText: {
        'Fn::Join': [
          '',
          [
            '/* Presto View: ',
            {
              'Fn::Base64': JSON.stringify({
                originalSql: ATHENA_WINDOW_VIEW_SQL,
                catalog: 'awsdatacatalog',
                schema: database,
                columns: WINDOW_VIEW_COLUMNS.map(({ name, trino }) => ({ name, type: trino })),
              }),
            },
            ' */',
          ],
        ],
      },
      ViewExpandedText: '/* Presto View */',
      StorageDescriptor: {
        Columns: WINDOW_VIEW_COLUMNS.map(({ name, trino }) => ({ Name: name, Type: HIVE_TYPES[trino] })),
        SerdeInfo: {},
      },
    },
  },
});
