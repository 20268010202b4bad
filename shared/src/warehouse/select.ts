import { quoteIdentifier, sqlType, type WarehouseDialect } from './ddl';
import { WarehouseError } from './port';
import type { WarehouseColumnType, WarehouseRow, WarehouseValue } from './table';

/** A column of a {@link SelectRequest} result and the type its values are read as. */
export interface SelectColumn {
  name: string;
  type: WarehouseColumnType;
}

/** A bound value of a {@link SelectRequest}: it reaches the warehouse as a parameter, cast to `type`. */
export interface SelectParameter {
  type: WarehouseColumnType;
  value: Exclude<WarehouseValue, null>;
}

/**
 * A read-only query. `sql` is one `SELECT` (or `WITH ... SELECT`) written in the SQL both Postgres
 * and Redshift run; it comes from code, never from input, and refers to parameters as `:name`
 * (lower case). The adapter wraps it to read every declared column in the warehouse's value
 * convention ({@link WarehouseValue}: timestamps as UTC `YYYY-MM-DD HH:MM:SS.sss`, dates as
 * `YYYY-MM-DD`, numbers as numbers), whatever the driver would have returned.
 */
export interface SelectRequest {
  sql: string;
  parameters?: Readonly<Record<string, SelectParameter>>;
  /** The columns read, in order. Every name must be an output column of `sql`. */
  columns: readonly SelectColumn[];
  /**
   * The order of the result. Applied by the adapter around `sql`, because the order of a subquery
   * is not kept by the query around it (Redshift reads it in parallel).
   */
  orderBy?: readonly { column: string; descending?: boolean }[];
  /** More rows than this fail the read rather than fill the caller's memory. */
  maxRows?: number;
}

/**
 * A warehouse that answers read-only queries (dashboards, checks). Implemented by both shared
 * adapters: `PostgresWarehouse` (so PGlite and `pg`) runs the query in a `READ ONLY` transaction;
 * `RedshiftDataWarehouse` runs it through the Data API and reads every result page.
 */
export interface ReadableWarehouse {
  /** The rows of `request`, values in the warehouse's convention, in `orderBy` order. */
  select(request: SelectRequest): Promise<WarehouseRow[]>;
}

/** The default and the largest {@link SelectRequest.maxRows}. */
export const DEFAULT_SELECT_MAX_ROWS = 10_000;
export const SELECT_MAX_ROWS_LIMIT = 100_000;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const PLACEHOLDER_NAME = /^[a-z_][a-z0-9_]*/;

/**
 * The index where a string literal, quoted identifier or comment that starts at `sql[start]` ends
 * (its last character, or `sql.length` when it is not closed); `start` itself when none starts
 * there. Placeholder scanners skip these spans, so a `?` or `:name` inside them is not a parameter.
 */
export const endOfQuotedOrComment = (sql: string, start: number): number => {
  const char = sql[start];
  if (char === "'" || char === '"') {
    const close = sql.indexOf(char, start + 1);
    return close === -1 ? sql.length : close;
  }
  if (char === '-' && sql[start + 1] === '-') {
    const close = sql.indexOf('\n', start);
    return close === -1 ? sql.length : close;
  }
  if (char === '/' && sql[start + 1] === '*') {
    const close = sql.indexOf('*/', start + 2);
    return close === -1 ? sql.length : close + 1;
  }
  return start;
};

/** A `:name` placeholder, outside string literals, quoted identifiers, comments and `::` casts. */
const placeholders = (sql: string): { name: string; start: number; end: number }[] => {
  const found: { name: string; start: number; end: number }[] = [];
  for (let i = 0; i < sql.length; i += 1) {
    const char = sql[i];
    const skipped = endOfQuotedOrComment(sql, i);
    if (skipped > i) {
      i = skipped;
    } else if (char === ':' && sql[i + 1] === ':') {
      i += 1;
    } else if (char === ':') {
      const name = PLACEHOLDER_NAME.exec(sql.slice(i + 1))?.[0];
      if (name) {
        found.push({ name, start: i, end: i + 1 + name.length });
        i += name.length;
      }
    }
  }
  return found;
};

/** Validates a request before any SQL runs, so a bad one fails the same way in every adapter. */
export const checkSelectRequest = (request: SelectRequest): void => {
  const body = request.sql.trim();
  if (!/^(select|with)\s/i.test(body) || body.includes(';')) {
    throw new WarehouseError('a select must be a single SELECT (or WITH ... SELECT) statement');
  }
  if (request.columns.length === 0) throw new WarehouseError('a select needs at least one column');
  const names = new Set<string>();
  for (const { name } of request.columns) {
    if (!IDENTIFIER.test(name))
      throw new WarehouseError(`select column "${name}" is not a lower-case identifier`);
    if (names.has(name)) throw new WarehouseError(`select column ${name} is declared twice`);
    names.add(name);
  }
  for (const { column } of request.orderBy ?? []) {
    if (!names.has(column)) throw new WarehouseError(`select orders by ${column}, which it does not read`);
  }
  const declared = new Set(Object.keys(request.parameters ?? {}));
  const used = new Set(placeholders(body).map(({ name }) => name));
  const undeclared = [...used].filter((name) => !declared.has(name));
  const unused = [...declared].filter((name) => !used.has(name));
  if (undeclared.length > 0)
    throw new WarehouseError(`select uses undeclared parameters ${undeclared.join(', ')}`);
  if (unused.length > 0) throw new WarehouseError(`select declares unused parameters ${unused.join(', ')}`);
  const maxRows = request.maxRows ?? DEFAULT_SELECT_MAX_ROWS;
  if (!Number.isSafeInteger(maxRows) || maxRows < 1 || maxRows > SELECT_MAX_ROWS_LIMIT) {
    throw new WarehouseError(`select maxRows must be an integer from 1 to ${SELECT_MAX_ROWS_LIMIT}`);
  }
};

// to_char with these patterns means the same in Postgres and Redshift, and makes the driver's
// own date handling (pg builds local-time Date objects for TIMESTAMP) irrelevant.
const readExpression = ({ name, type }: SelectColumn, dialect: WarehouseDialect): string => {
  const source = `selected.${quoteIdentifier(name)}`;
  switch (type) {
    case 'timestamp':
      return `to_char(${source}, 'YYYY-MM-DD HH24:MI:SS.MS')`;
    case 'date':
      return `to_char(${source}, 'YYYY-MM-DD')`;
    case 'double':
    case 'int':
    case 'bigint':
      return `CAST(${source} AS ${sqlType(type, dialect)})`;
    case 'string':
    case 'boolean':
      return source;
  }
};

/**
 * The statement an adapter runs for a request: the query wrapped in a projection that reads each
 * declared column in the warehouse's convention, the order, and a `LIMIT` one above `maxRows` (so
 * an overflow is detected, not silently cut). `bind` registers a parameter and returns its
 * placeholder in the adapter's syntax (`$1`, `:name`); it is called once per parameter name.
 */
export const selectStatement = (
  request: SelectRequest,
  dialect: WarehouseDialect,
  bind: (name: string, parameter: SelectParameter) => string,
): string => {
  checkSelectRequest(request);
  const body = request.sql.trim();
  const bound = new Map<string, string>();
  let inner = '';
  let last = 0;
  for (const { name, start, end } of placeholders(body)) {
    const parameter = request.parameters![name]!;
    let placeholder = bound.get(name);
    if (placeholder === undefined) {
      placeholder = `CAST(${bind(name, parameter)} AS ${sqlType(parameter.type, dialect)})`;
      bound.set(name, placeholder);
    }
    inner += body.slice(last, start) + placeholder;
    last = end;
  }
  inner += body.slice(last);
  const projection = request.columns
    .map((column) => `${readExpression(column, dialect)} AS ${quoteIdentifier(column.name)}`)
    .join(', ');
  const order = (request.orderBy ?? [])
    .map(({ column, descending }) => `selected.${quoteIdentifier(column)}${descending ? ' DESC' : ''}`)
    .join(', ');
  const limit = (request.maxRows ?? DEFAULT_SELECT_MAX_ROWS) + 1;
  return `SELECT ${projection}\nFROM (\n${inner}\n) AS selected${order ? `\nORDER BY ${order}` : ''}\nLIMIT ${limit}`;
};

const readValue = (value: unknown, { name, type }: SelectColumn): WarehouseValue => {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'double':
    case 'int':
    case 'bigint': {
      // pg returns BIGINT and NUMERIC as strings; the Data API numbers as long/double/string.
      const number = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(number) || (type !== 'double' && !Number.isSafeInteger(number))) {
        throw new WarehouseError(`select column ${name}: ${String(value)} is not a ${type}`);
      }
      return number;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new WarehouseError(`select column ${name}: ${String(value)} is not a boolean`);
    case 'string':
    case 'timestamp':
    case 'date':
      if (typeof value === 'string') return value;
      throw new WarehouseError(`select column ${name}: expected text, got ${typeof value}`);
  }
};

/**
 * Turns the driver's rows (in column order) into warehouse rows, and fails when there are more
 * than `maxRows` (the statement asked for one more to tell).
 */
export const readSelectedRows = (
  request: SelectRequest,
  rows: readonly (readonly unknown[])[],
): WarehouseRow[] => {
  const maxRows = request.maxRows ?? DEFAULT_SELECT_MAX_ROWS;
  if (rows.length > maxRows) throw new WarehouseError(`select returned more than ${maxRows} rows`);
  return rows.map((cells) =>
    Object.fromEntries(
      request.columns.map((column, index) => [column.name, readValue(cells[index], column)]),
    ),
  );
};
