import { WarehouseError, type ReplaceRowsRequest, type UpsertRowsRequest } from './port';
import { validateTable, type WarehouseRow, type WarehouseTable } from './table';

const keyOf = (row: WarehouseRow, columns: readonly string[]): string =>
  JSON.stringify(columns.map((c) => row[c] ?? null));

/**
 * A non-finite number (Infinity, NaN) is refused, naming the column: PostgreSQL's double precision
 * would store it silently (https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-FLOAT),
 * Redshift's numeric types document no such value
 * (https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html), and JSON, which
 * carries rows to the dashboard and through the Data API, has none. The rows come from bounded
 * inputs (physical metric ranges), so this names a bug rather than bad data.
 */
const checkFinite = (table: WarehouseTable, row: WarehouseRow, index: number): void => {
  for (const [name, value] of Object.entries(row)) {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new WarehouseError(`${table.name}: row ${index} has ${name} = ${value}, not a finite number`);
  }
};

const checkRows = (table: WarehouseTable, rows: readonly WarehouseRow[]): void => {
  const known = new Set(table.columns.map(({ name }) => name));
  for (const [index, row] of rows.entries()) {
    const unknown = Object.keys(row).filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new WarehouseError(`${table.name}: row ${index} has unknown columns ${unknown.join(', ')}`);
    checkFinite(table, row, index);
    for (const key of table.keyColumns) {
      if (row[key] === null || row[key] === undefined)
        throw new WarehouseError(`${table.name}: row ${index} has no ${key}`);
    }
  }
};

const checkUniqueKeys = (table: WarehouseTable, rows: readonly WarehouseRow[]): void => {
  const seen = new Set<string>();
  for (const row of rows) {
    const key = keyOf(row, table.keyColumns);
    if (seen.has(key)) throw new WarehouseError(`${table.name}: key ${key} appears twice in one load`);
    seen.add(key);
  }
};

/**
 * Validates a replace request before any SQL runs: the scope names key columns, every row lies in
 * the scope, and keys are unique. Adapters call it so a bad request fails the same way everywhere.
 */
export const checkReplaceRequest = ({ table, scope, rows }: ReplaceRowsRequest): void => {
  validateTable(table);
  const scopeColumns = Object.keys(scope);
  if (scopeColumns.length === 0) throw new WarehouseError(`${table.name}: a replace needs a scope`);
  for (const column of scopeColumns) {
    if (!table.keyColumns.includes(column))
      throw new WarehouseError(`${table.name}: scope column ${column} is not a key column`);
  }
  checkRows(table, rows);
  for (const [index, row] of rows.entries()) {
    for (const column of scopeColumns) {
      if (row[column] !== scope[column]) {
        throw new WarehouseError(
          `${table.name}: row ${index} has ${column}=${String(row[column])}, outside the scope`,
        );
      }
    }
  }
  checkUniqueKeys(table, rows);
};

/** Validates an upsert request: known columns, non-null keys, unique keys. */
export const checkUpsertRequest = ({ table, rows }: UpsertRowsRequest): void => {
  validateTable(table);
  checkRows(table, rows);
  checkUniqueKeys(table, rows);
};
