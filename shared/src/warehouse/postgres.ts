import { createHash } from 'node:crypto';
import {
  addColumnStatement,
  createTableStatement,
  existingColumnsStatement,
  missingColumns,
  quoteIdentifier,
  sqlType,
} from './ddl';
import { chunk } from './chunk';
import { checkReplaceRequest, checkUpsertRequest } from './load';
import {
  checkKeyLookupRequest,
  viewStatements,
  KEYS_PER_LOOKUP,
  keyLookupSql,
  type KeyLookupRequest,
  type QueryableWarehouse,
  type WarehouseView,
} from './lookup';
import { oncePerKey, oncePerStatement } from './once-per-statement';
import {
  WarehouseError,
  WarehouseUnavailableError,
  type LoadResult,
  type ReplaceRowsRequest,
  type UpsertRowsRequest,
  type Warehouse,
} from './port';
import { readSelectedRows, selectStatement, type ReadableWarehouse, type SelectRequest } from './select';
import type { WarehouseRow, WarehouseTable } from './table';

/** The part of a Postgres driver the warehouse needs: parameterised queries with `$1` placeholders. */
export interface SqlExecutor {
  query(
    sql: string,
    parameters?: readonly unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; affectedRows: number }>;
}

/**
 * A Postgres connection the warehouse can use: `pg` (any Postgres by URL) and PGlite implement it
 * in a few lines each.
 */
export interface SqlClient extends SqlExecutor {
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// SQLSTATEs worth a retry: serialization failure, deadlock, connection failures, too many
// connections, shutdown in progress. https://www.postgresql.org/docs/current/errcodes-appendix.html
const TRANSIENT_SQLSTATE = /^(40001|40P01|08\d{3}|53300|57P0[1-3])$/;
const TRANSIENT_NODE_CODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Maps a driver error to the warehouse's two error kinds. */
export const classifyPostgresError = (error: unknown): WarehouseError => {
  if (error instanceof WarehouseError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const transient = TRANSIENT_SQLSTATE.test(code) || TRANSIENT_NODE_CODE.has(code);
  const wrapped = transient ? new WarehouseUnavailableError(message) : new WarehouseError(message);
  wrapped.cause = error;
  return wrapped;
};

/**
 * The 64-bit key of a transaction-level advisory lock named by `name` (the first 8 bytes of its
 * SHA-256, as a signed bigint in decimal): every container derives the same key for the same name.
 */
export const advisoryLockKey = (name: string): string =>
  createHash('sha256').update(name).digest().readBigInt64BE(0).toString();

// SQLSTATE of a CREATE OR REPLACE VIEW whose columns changed shape (invalid_table_definition).
const INVALID_TABLE_DEFINITION = '42P16';

// Held until the transaction ends; a second container asking for the same key waits for it.
// https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS
const ADVISORY_XACT_LOCK = 'SELECT pg_advisory_xact_lock($1::bigint)';

// One lock for all DDL of the warehouse: two containers running the same `CREATE TABLE IF NOT
// EXISTS` at once both see no table, and the second fails with 23505 on pg_type's unique index
// (`IF NOT EXISTS` checks before it creates, not atomically); `CREATE OR REPLACE VIEW` races the
// same way. DDL runs once per object per container, so one key costs nothing.
// https://www.postgresql.org/message-id/CA%2BTgmoZAdYVtwBfp1FL2sMZbiHCWT4UPrzRLNnX1Nb30Ku3-gg%40mail.gmail.com
const DDL_LOCK = advisoryLockKey('pipeline warehouse: ddl');

/**
 * The lock of one replaced slice (table and scope values). Two replaces of the same slice would
 * otherwise both delete what they see and both insert: in Read Committed the second DELETE does
 * not see the first one's rows, so its INSERT fails with 23505 on the primary key.
 * https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED
 */
const sliceLock = (table: string, scope: ReplaceRowsRequest['scope']): string =>
  advisoryLockKey(
    `pipeline warehouse: replace ${JSON.stringify([
      table,
      Object.keys(scope)
        .sort()
        .map((column) => [column, scope[column]]),
    ])}`,
  );

/**
 * Rows per load statement. The rows travel as one JSON parameter, whose text PostgreSQL takes up to
 * 1 GB like any field (https://www.postgresql.org/docs/current/limits.html); chunks keep each
 * statement's text, and the memory to build it, small.
 */
export const ROWS_PER_LOAD_STATEMENT = 5_000;

// A lone surrogate cannot be encoded as UTF-8: drivers encoding a text parameter store U+FFFD in
// its place, while PostgreSQL refuses the same character escaped in JSON (\ud800). Replaced here,
// so a load stores what a text parameter would.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? value.replace(LONE_SURROGATE, '\ufffd') : value;

/**
 * The statements inserting `rows`: `INSERT ... SELECT` from `json_to_recordset` over one JSON
 * parameter per chunk, each column read as its declared type
 * (https://www.postgresql.org/docs/current/functions-json.html). One bound value instead of one
 * per row and column: PostgreSQL takes at most 65,535 bind parameters per statement (an Int16 in
 * the wire protocol's Bind message, https://www.postgresql.org/docs/current/protocol-message-formats.html),
 * and parsing and planning a statement grow with them (on PGlite, once warm, an upsert of 600
 * window rows of 28 columns took a third less CPU in the JSON form; one of 18 rows about as much).
 * A key a row lacks reads as NULL, as before.
 */
const insertStatements = (
  table: WarehouseTable,
  rows: readonly WarehouseRow[],
  suffix = '',
): [string, unknown[]][] => {
  const columnList = table.columns.map(({ name }) => quoteIdentifier(name)).join(', ');
  const recordType = table.columns
    .map(({ name, type }) => `${quoteIdentifier(name)} ${sqlType(type, 'postgres')}`)
    .join(', ');
  const sql =
    `INSERT INTO ${quoteIdentifier(table.name)} (${columnList}) ` +
    `SELECT ${columnList} FROM json_to_recordset($1::json) AS loaded(${recordType})${suffix}`;
  return chunk(rows, ROWS_PER_LOAD_STATEMENT).map((part) => [sql, [JSON.stringify(part, wellFormed)]]);
};

/**
 * The {@link Warehouse} over any Postgres-compatible {@link SqlClient}: a replace is
 * `DELETE` of the scope plus `INSERT` in one transaction; an upsert is `INSERT ... ON CONFLICT`
 * on the primary key. Everything is parameterised; identifiers come from validated definitions.
 */
export class PostgresWarehouse implements Warehouse, QueryableWarehouse, ReadableWarehouse {
  private readonly ensure = oncePerStatement(async (statement) => {
    try {
      await this.client.transaction(async (tx) => {
        await tx.query(ADVISORY_XACT_LOCK, [DDL_LOCK]);
        await tx.query(statement);
      });
    } catch (error) {
      throw classifyPostgresError(error);
    }
  });

  // Replace (keeps the view's grants); when the columns changed shape (42P16), drop and create in
  // the same transaction: readers of the view wait for the commit, never see it gone.
  private readonly ensureViewOnce = oncePerKey(
    (view: WarehouseView) => viewStatements(view).create,
    async (view: WarehouseView) => {
      const { replace, drop, create } = viewStatements(view);
      try {
        await this.client.transaction(async (tx) => {
          await tx.query(ADVISORY_XACT_LOCK, [DDL_LOCK]);
          await tx.query('SAVEPOINT replace_view');
          try {
            await tx.query(replace);
          } catch (error) {
            if ((error as { code?: unknown }).code !== INVALID_TABLE_DEFINITION) throw error;
            await tx.query('ROLLBACK TO SAVEPOINT replace_view');
            await tx.query(drop);
            await tx.query(create);
          }
        });
      } catch (error) {
        throw classifyPostgresError(error);
      }
    },
  );

  // Creates the table, or adds the columns a table created by an earlier release lacks (schema
  // evolution, docs/SCHEMA.md), under the same DDL lock: concurrent loaders add each column once.
  // Keyed by the CREATE statement, so a container checks each table definition once.
  private readonly ensureTableOnce = oncePerKey(
    (table: WarehouseTable) => createTableStatement(table, 'postgres'),
    async (table: WarehouseTable) => {
      try {
        await this.client.transaction(async (tx) => {
          await tx.query(ADVISORY_XACT_LOCK, [DDL_LOCK]);
          await tx.query(createTableStatement(table, 'postgres'));
          const { rows } = await tx.query(existingColumnsStatement('postgres', '$1'), [table.name]);
          for (const column of missingColumns(
            table,
            rows.map((row) => String(row.column_name)),
          ))
            await tx.query(addColumnStatement(table, column, 'postgres'));
        });
      } catch (error) {
        throw classifyPostgresError(error);
      }
    },
  );

  constructor(private readonly client: SqlClient) {}

  async ensureTable(table: WarehouseTable): Promise<void> {
    return this.ensureTableOnce(table);
  }

  async replaceRows(request: ReplaceRowsRequest): Promise<LoadResult> {
    checkReplaceRequest(request);
    const { table, scope, rows } = request;
    await this.ensureTable(table);
    const scopeColumns = Object.keys(scope);
    const where = scopeColumns
      .map((column, index) => `${quoteIdentifier(column)} = $${index + 1}`)
      .join(' AND ');
    return this.inTransaction(table, async (tx) => {
      // Taken first, so the DELETE's snapshot (Read Committed: one per statement) already sees the
      // rows of a concurrent replace of the same slice that committed while this one waited.
      await tx.query(ADVISORY_XACT_LOCK, [sliceLock(table.name, scope)]);
      const deleted = await tx.query(
        `DELETE FROM ${quoteIdentifier(table.name)} WHERE ${where}`,
        scopeColumns.map((column) => scope[column]),
      );
      let inserted = 0;
      for (const [sql, parameters] of insertStatements(table, rows))
        inserted += (await tx.query(sql, parameters)).affectedRows;
      return { table: table.name, deleted: deleted.affectedRows, inserted };
    });
  }

  async upsertRows(request: UpsertRowsRequest): Promise<LoadResult> {
    checkUpsertRequest(request);
    const { table, rows } = request;
    await this.ensureTable(table);
    const keys = new Set(table.keyColumns);
    const updates = table.columns
      .filter(({ name }) => !keys.has(name))
      .map(({ name }) => `${quoteIdentifier(name)} = EXCLUDED.${quoteIdentifier(name)}`);
    const conflict = ` ON CONFLICT (${table.keyColumns.map(quoteIdentifier).join(', ')}) DO ${
      updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'
    }`;
    return this.inTransaction(table, async (tx) => {
      let inserted = 0;
      for (const [sql, parameters] of insertStatements(table, rows, conflict))
        inserted += (await tx.query(sql, parameters)).affectedRows;
      return { table: table.name, deleted: 0, inserted };
    });
  }

  async ensureView(view: WarehouseView): Promise<void> {
    return this.ensureViewOnce(view);
  }

  async existingKeys(request: KeyLookupRequest): Promise<WarehouseRow[]> {
    checkKeyLookupRequest(request);
    const { table, keys } = request;
    await this.ensureTable(table);
    const found: WarehouseRow[] = [];
    for (const part of chunk(keys, KEYS_PER_LOOKUP)) {
      const parameters: unknown[] = [];
      const sql = keyLookupSql(table, part, (value) => {
        parameters.push(value);
        return `$${parameters.length}`;
      });
      try {
        const { rows } = await this.client.query(sql, parameters);
        for (const row of rows) found.push(part[Number(row.key_index)]!);
      } catch (error) {
        throw classifyPostgresError(error);
      }
    }
    return found;
  }

  /** Runs the query in a `READ ONLY` transaction: a data-modifying CTE fails instead of writing. */
  async select(request: SelectRequest): Promise<WarehouseRow[]> {
    const parameters: unknown[] = [];
    const sql = selectStatement(request, 'postgres', (_name, { value }) => {
      parameters.push(value);
      return `$${parameters.length}`;
    });
    try {
      const { rows } = await this.client.transaction(async (tx) => {
        await tx.query('SET TRANSACTION READ ONLY');
        return tx.query(sql, parameters);
      });
      return readSelectedRows(
        request,
        rows.map((row) => request.columns.map(({ name }) => row[name])),
      );
    } catch (error) {
      throw classifyPostgresError(error);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async inTransaction(
    table: WarehouseTable,
    work: (tx: SqlExecutor) => Promise<LoadResult>,
  ): Promise<LoadResult> {
    try {
      return await this.client.transaction(work);
    } catch (error) {
      const wrapped = classifyPostgresError(error);
      wrapped.message = `${table.name}: ${wrapped.message}`;
      throw wrapped;
    }
  }
}
