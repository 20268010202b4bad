import type { z } from 'zod';
import { CANONICAL_COLUMNS, type ColumnName, type GlueType } from '../telemetry/canonical-record';

/** Column types a warehouse table may use: the lake's Glue types plus `date` and `boolean`. */
export type WarehouseColumnType = GlueType | 'date' | 'boolean';

export const WAREHOUSE_COLUMN_TYPES: readonly WarehouseColumnType[] = [
  'string',
  'double',
  'int',
  'bigint',
  'timestamp',
  'date',
  'boolean',
];

export interface WarehouseColumn {
  name: string;
  type: WarehouseColumnType;
  /** Key columns are never nullable, whatever this says. */
  nullable: boolean;
}

/**
 * A warehouse table: its columns in order and the key that identifies a row. Adapters create it
 * with {@link createTableStatement} and use the key for idempotent upserts.
 */
export interface WarehouseTable {
  name: string;
  columns: readonly WarehouseColumn[];
  /** Columns that identify a row. Adapters declare them as the primary key. */
  keyColumns: readonly string[];
}

/**
 * A cell value. Dates travel as `YYYY-MM-DD`, timestamps as UTC `YYYY-MM-DD HH:MM:SS.sss`,
 * 64-bit integers as numbers (they must be safe integers).
 */
export type WarehouseValue = string | number | boolean | null;
export type WarehouseRow = Readonly<Record<string, WarehouseValue>>;

/** Raised when a table definition or a row does not fit the rules above. Not transient. */
export class WarehouseDefinitionError extends Error {
  override name = 'WarehouseDefinitionError';
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a table definition: lower-case SQL identifiers (so they need no quoting rules that differ
 * between Postgres and Redshift), known types, unique columns, and a key made of its own columns.
 */
export const validateTable = (table: WarehouseTable): WarehouseTable => {
  const problems: string[] = [];
  if (!IDENTIFIER.test(table.name))
    problems.push(`table name "${table.name}" is not a lower-case identifier`);
  const names = new Set<string>();
  for (const column of table.columns) {
    if (!IDENTIFIER.test(column.name))
      problems.push(`column "${column.name}" is not a lower-case identifier`);
    if (!WAREHOUSE_COLUMN_TYPES.includes(column.type))
      problems.push(`column "${column.name}" has unknown type "${column.type}"`);
    if (names.has(column.name)) problems.push(`column "${column.name}" is declared twice`);
    names.add(column.name);
  }
  if (table.keyColumns.length === 0) problems.push('the key has no column');
  for (const key of table.keyColumns)
    if (!names.has(key)) problems.push(`key column "${key}" is not a column`);
  if (problems.length > 0) throw new WarehouseDefinitionError(`Table ${table.name}: ${problems.join('; ')}`);
  return table;
};

/** Warehouse type of a canonical lake column: the same type the Glue table declares. */
export const canonicalColumnType = (name: ColumnName): WarehouseColumnType =>
  CANONICAL_COLUMNS[name].glueType;

export const isCanonicalColumn = (name: string): name is ColumnName => Object.hasOwn(CANONICAL_COLUMNS, name);

/**
 * The canonical telemetry record as a warehouse table, derived from `CANONICAL_COLUMNS` (the same
 * definition that drives the Glue table and the local DuckDB views), keyed by `event_id`.
 */
export const canonicalWarehouseTable = (name = 'telemetry'): WarehouseTable =>
  validateTable({
    name,
    columns: (Object.keys(CANONICAL_COLUMNS) as ColumnName[]).map((column) => ({
      name: column,
      type: canonicalColumnType(column),
      nullable: (CANONICAL_COLUMNS[column].schema as z.ZodType).safeParse(null).success,
    })),
    keyColumns: ['event_id'],
  });
