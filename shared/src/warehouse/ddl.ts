import { validateTable, type WarehouseColumnType, type WarehouseTable } from './table';

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
