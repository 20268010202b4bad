/**
 * DuckDB macros for the Trino functions report SQL may use that DuckDB lacks or names differently,
 * so one SQL file runs on Athena (engine v3, Trino) and on DuckDB unchanged. Each macro keeps
 * Trino's semantics for the argument types the lake has.
 * https://trino.io/docs/current/functions/datetime.html
 */
export const TRINO_COMPAT_MACROS: Readonly<Record<string, string>> = {
  // Trino: seconds since the epoch as a double, milliseconds kept.
  to_unixtime: 'CREATE OR REPLACE MACRO to_unixtime(ts) AS epoch(ts)',
  // Trino: timestamp from seconds since the epoch (UTC).
  from_unixtime:
    'CREATE OR REPLACE MACRO from_unixtime(seconds) AS make_timestamp(CAST(round(seconds * 1000000) AS BIGINT))',
  // Trino's HyperLogLog estimate; DuckDB's equivalent has another name.
  approx_distinct: 'CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)',
};
