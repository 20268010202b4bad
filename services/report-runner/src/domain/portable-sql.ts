/**
 * Functions report SQL may call: built into both Trino (Athena engine v3) and DuckDB with the same
 * results on the lake's types. The SQL test fails on anything else, so a report that runs locally
 * also runs in Athena.
 *
 * Traps that are deliberately absent: `count_if` (DuckDB returns NULL for no rows, Trino 0: use
 * `count(CASE WHEN ... THEN 1 END)`), `date_diff` (DuckDB counts unit boundaries crossed, Trino
 * whole units elapsed: subtract `to_unixtime` values instead), `approx_percentile`/`arbitrary`
 * (non-deterministic or engine-specific).
 */
export const PORTABLE_FUNCTIONS: readonly string[] = [
  'avg',
  'count',
  'min',
  'max',
  'sum',
  'round',
  'coalesce',
  'nullif',
  'abs',
  'lower',
  'upper',
];

/**
 * Trino functions DuckDB lacks, available to report SQL because the local engine defines a
 * Trino-compatible macro for each (local/src/engines/trino-compat.ts).
 */
export const TRINO_FUNCTIONS_WITH_DUCKDB_MACROS: readonly string[] = [
  'to_unixtime',
  'from_unixtime',
  'approx_distinct',
];

/** Types report SQL may CAST to: the same name and meaning in both engines. */
export const PORTABLE_CAST_TYPES: readonly string[] = [
  'DOUBLE',
  'DECIMAL',
  'BIGINT',
  'INTEGER',
  'VARCHAR',
  'DATE',
  'TIMESTAMP',
  'BOOLEAN',
];
