import { quoteIdentifier } from './ddl';
import { WarehouseError, type Warehouse } from './port';
import {
  validateTable,
  type WarehouseColumn,
  type WarehouseRow,
  type WarehouseTable,
  type WarehouseValue,
} from './table';

/**
 * A view over warehouse tables. `select` is a `SELECT` written in the SQL both Postgres and
 * Redshift run; it comes from code, never from input. Used by analytics-sink for
 * `realtime_device_window`, which merges the segments of a window.
 */
export interface WarehouseView {
  name: string;
  select: string;
}

/** Which of `keys` (each holding exactly the values of `table.keyColumns`) have a row in `table`? */
export interface KeyLookupRequest {
  table: WarehouseTable;
  keys: readonly WarehouseRow[];
}

/**
 * A {@link Warehouse} that can also create views and check keys: the idempotency checks a stream
 * consumer needs (analytics-sink records every alert it sent and looks the ids up before sending).
 * Both shared adapters (`PostgresWarehouse`, hence PGlite and `pg`, and `RedshiftDataWarehouse`)
 * implement it; the plain `Warehouse` port is unchanged.
 */
export interface QueryableWarehouse extends Warehouse {
  /** `CREATE OR REPLACE VIEW` (adapters remember views they already ensured). */
  ensureView(view: WarehouseView): Promise<void>;
  /**
   * The subset of `request.keys` that exist in the table, as the same objects (compare them with
   * `===`), so no value is read back through a driver's type conversions. Creates the table first
   * if needed.
   */
  existingKeys(request: KeyLookupRequest): Promise<WarehouseRow[]>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Keys looked up per statement: a few hundred bind parameters at most. */
export const KEYS_PER_LOOKUP = 100;

/** `CREATE OR REPLACE VIEW` for a view definition, after checking its name and shape. */
export const createViewStatement = ({ name, select }: WarehouseView): string => {
  if (!IDENTIFIER.test(name)) throw new WarehouseError(`view name "${name}" is not a lower-case identifier`);
  const body = select.trim();
  if (!/^select\s/i.test(body) || body.includes(';')) {
    throw new WarehouseError(`view ${name}: the definition must be a single SELECT`);
  }
  return `CREATE OR REPLACE VIEW ${quoteIdentifier(name)} AS\n${body}`;
};

/** Validates a lookup: a valid table, and keys made of exactly its key columns, none null. */
export const checkKeyLookupRequest = ({ table, keys }: KeyLookupRequest): void => {
  validateTable(table);
  const expected = [...table.keyColumns].sort().join(',');
  for (const [index, key] of keys.entries()) {
    if (Object.keys(key).sort().join(',') !== expected) {
      throw new WarehouseError(
        `${table.name}: lookup key ${index} must have exactly ${table.keyColumns.join(', ')}`,
      );
    }
    for (const column of table.keyColumns) {
      if (key[column] === null || key[column] === undefined)
        throw new WarehouseError(`${table.name}: lookup key ${index} has no ${column}`);
    }
  }
};

/**
 * One lookup statement for up to {@link KEYS_PER_LOOKUP} keys: it returns `key_index`, the position
 * of each key that has a row. `bind` registers a value and returns its placeholder (`$1`,
 * `CAST(:p0 AS ...)`); each placeholder is used twice, which both dialects allow.
 */
export const keyLookupSql = (
  table: WarehouseTable,
  keys: readonly WarehouseRow[],
  bind: (value: Exclude<WarehouseValue, null>, column: WarehouseColumn) => string,
): string => {
  const columns = new Map(table.columns.map((column) => [column.name, column]));
  const conditions = keys.map(
    (key) =>
      `(${table.keyColumns
        .map(
          (name) =>
            `${quoteIdentifier(name)} = ${bind(key[name] as Exclude<WarehouseValue, null>, columns.get(name)!)}`,
        )
        .join(' AND ')})`,
  );
  const cases = conditions.map((condition, index) => `WHEN ${condition} THEN ${index}`).join(' ');
  return `SELECT DISTINCT CASE ${cases} END AS key_index FROM ${quoteIdentifier(table.name)} WHERE ${conditions.join(' OR ')}`;
};
