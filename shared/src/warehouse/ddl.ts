import {
  validateTable,
  WarehouseDefinitionError,
  type WarehouseColumn,
  type WarehouseColumnType,
  type WarehouseTable,
} from './table';

/** The SQL dialects the warehouse adapters speak. */
export type WarehouseDialect = 'postgres' | 'redshift';

const TYPES: Record<WarehouseDialect, Record<WarehouseColumnType, string>> = {
  postgres: {
    string: 'TEXT',
    double: 'DOUBLE PRECISION',
    int: 'INTEGER',
    bigint: 'BIGINT',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
    boolean: 'BOOLEAN',
  },
  redshift: {
    // Identifiers of the lake are at most 128 characters; 1024 bytes leaves room for UTF-8 text.
    string: 'VARCHAR(1024)',
    double: 'DOUBLE PRECISION',
    int: 'INTEGER',
    bigint: 'BIGINT',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
    boolean: 'BOOLEAN',
  },
};

/** The SQL type of a warehouse column type in a dialect. */
export const sqlType = (type: WarehouseColumnType, dialect: WarehouseDialect): string => TYPES[dialect][type];

/** Double-quotes an identifier. Table definitions only allow lower-case identifiers anyway. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * `CREATE TABLE IF NOT EXISTS` for a table definition. The key becomes the primary key (enforced
 * by Postgres, informational in Redshift, where it also becomes the sort key).
 */
export const createTableStatement = (table: WarehouseTable, dialect: WarehouseDialect): string => {
  validateTable(table);
  const keys = new Set(table.keyColumns);
  const columns = table.columns.map(
    ({ name, type, nullable }) =>
      `  ${quoteIdentifier(name)} ${sqlType(type, dialect)}${nullable && !keys.has(name) ? '' : ' NOT NULL'}`,
  );
  const keyList = table.keyColumns.map(quoteIdentifier).join(', ');
  const trailer = dialect === 'redshift' ? ` SORTKEY (${keyList})` : '';
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(table.name)} (\n${columns.join(',\n')},\n  PRIMARY KEY (${keyList})\n)${trailer}`;
};

/**
 * The SQL that lists the columns an existing table has (one `column_name` per row), with the table
 * name as its one parameter. Postgres: the SQL-standard catalog view; Redshift: SVV_COLUMNS, which
 * covers local tables (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_COLUMNS.html).
 */
export const existingColumnsStatement = (dialect: WarehouseDialect, tableParameter: string): string =>
  `SELECT column_name FROM ${dialect === 'redshift' ? 'svv_columns' : 'information_schema.columns'} ` +
  `WHERE table_schema = current_schema() AND table_name = ${tableParameter}`;

/**
 * The columns of `table` that an existing table lacks (a table created by an earlier release), in
 * definition order. A missing key column cannot be added to rows that already exist: that is a
 * breaking change, which needs a migration (docs/SCHEMA.md), so it is refused here.
 */
export const missingColumns = (table: WarehouseTable, existing: Iterable<string>): WarehouseColumn[] => {
  const present = new Set(existing);
  // An empty list means the table does not exist (yet): CREATE TABLE makes it whole.
  if (present.size === 0) return [];
  const missing = table.columns.filter(({ name }) => !present.has(name));
  const keys = missing.filter(({ name }) => table.keyColumns.includes(name));
  if (keys.length > 0)
    throw new WarehouseDefinitionError(
      `Table ${table.name}: key columns ${keys.map(({ name }) => name).join(', ')} are missing from the existing table; a changed key needs a migration`,
    );
  return missing;
};

/**
 * `ALTER TABLE ... ADD COLUMN` for a column an existing table lacks. The column is nullable
 * whatever its definition says: rows loaded before it have no value for it. Postgres skips a
 * column that exists already (`IF NOT EXISTS`,
 * https://www.postgresql.org/docs/current/sql-altertable.html); Redshift has no such clause and
 * adds one column per statement (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html),
 * so its adapter treats "already exists" from a concurrent loader as done.
 */
export const addColumnStatement = (
  table: WarehouseTable,
  column: WarehouseColumn,
  dialect: WarehouseDialect,
): string =>
  `ALTER TABLE ${quoteIdentifier(table.name)} ADD COLUMN ${dialect === 'postgres' ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(column.name)} ${sqlType(column.type, dialect)}`;
