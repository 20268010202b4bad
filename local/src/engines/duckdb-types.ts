import type { GlueType } from '@pipeline/shared';

/**
 * The DuckDB type of each Glue type the lake and the registry use: the local engines read and write
 * the same columns Athena sees through the Glue tables.
 */
export const DUCKDB_TYPES: Readonly<Record<GlueType, string>> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  int: 'INTEGER',
  bigint: 'BIGINT',
  timestamp: 'TIMESTAMP',
  boolean: 'BOOLEAN',
};
