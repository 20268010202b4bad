import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementResponse,
  type Field,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import {
  addColumnStatement,
  createTableStatement,
  existingColumnsStatement,
  missingColumns,
  quoteIdentifier,
  sqlType,
} from '../ddl';
import { chunk } from '../chunk';
import { checkReplaceRequest, checkUpsertRequest } from '../load';
import {
  checkKeyLookupRequest,
  KEYS_PER_LOOKUP,
  keyLookupSql,
  viewStatements,
  type KeyLookupRequest,
  type QueryableWarehouse,
  type WarehouseView,
} from '../lookup';
import { oncePerKey, oncePerStatement } from '../once-per-statement';
import {
  WarehouseError,
  WarehouseUnavailableError,
  type LoadResult,
  type ReplaceRowsRequest,
  type StagedRows,
  type UpsertRowsRequest,
  type Warehouse,
} from '../port';
import { readSelectedRows, selectStatement, type ReadableWarehouse, type SelectRequest } from '../select';
import type { WarehouseRow, WarehouseTable } from '../table';

/** Where statements run: a Redshift Serverless workgroup, or a provisioned cluster. */
export type RedshiftTarget =
  | { workgroupName: string; database: string }
  | { clusterIdentifier: string; database: string; dbUser?: string; secretArn?: string };

export interface RedshiftDataWarehouseOptions {
  client: RedshiftDataClient;
  target: RedshiftTarget;
  /** Role Redshift assumes to read staged rows from S3 (COPY ... IAM_ROLE). Needed for staged loads. */
  copyRoleArn?: string;
  /** Polling of DescribeStatement: first delay, growth factor, longest delay (ms). */
  poll?: { initialDelayMs: number; factor: number; maxDelayMs: number };
  /** Give up (and cancel the statement) after this long (ms). */
  deadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const STAGE = quoteIdentifier('load_stage');
// Rows inserted through Data API parameters per statement, and per transaction. Larger loads
// should arrive staged in S3 (COPY is the bulk path).
const INLINE_ROWS_PER_STATEMENT = 50;
const INLINE_ROWS_PER_TRANSACTION = 500;

// https://docs.aws.amazon.com/redshift-data/latest/APIReference/CommonErrors.html and the API's
// own exceptions: these clear up on their own.
const TRANSIENT_SDK_ERRORS = new Set([
  'ThrottlingException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'InternalServerException',
  'DatabaseConnectionException',
  'ServiceUnavailableException',
]);
// Statement failures a retry can fix. Redshift has no advisory locks: concurrent loads of one
// table are serialised by its serializable isolation, which cancels one of them with error 1023
// ("Retry the canceled transaction").
// https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation-serializable-isolation-troubleshooting.html
const TRANSIENT_STATEMENT_ERRORS = [
  /\bERROR:\s*1023\b|serializable isolation violation/i,
  // Two containers creating the same table or view at once: the loser hits the catalog's unique
  // index or a catalog row the winner just changed; on the retry the object exists.
  // https://www.postgresql.org/message-id/CA%2BTgmoZAdYVtwBfp1FL2sMZbiHCWT4UPrzRLNnX1Nb30Ku3-gg%40mail.gmail.com
  /duplicate key value violates unique constraint "pg_(?:type|class)_\w+"/i,
  /tuple concurrently updated/i,
  // A resuming Serverless workgroup, a lost or refused connection, a timeout.
  /\bresum(?:e|es|ing)\b|temporarily|could not connect|connection (?:refused|reset|closed|lost|timed out)|server closed the connection|timed? ?out/i,
];

/**
 * True when a failed statement's `Error` (DescribeStatement) is worth a retry: serialization
 * conflicts, DDL races between containers, a resuming workgroup, lost connections. Everything else
 * (SQL, data, permissions) is permanent.
 */
export const isTransientRedshiftStatementError = (reason: string): boolean =>
  TRANSIENT_STATEMENT_ERRORS.some((pattern) => pattern.test(reason));

// The error of ALTER TABLE ADD COLUMN for a column the table has (the Postgres wording Redshift
// keeps): `column "co2_ppm" of relation "telemetry" already exists`.
const ALREADY_EXISTS = (column: string): RegExp =>
  new RegExp(`column "${column}" of relation "[^"]+" already exists`, 'i');

const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.*'()/=-]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const parameterValue = (value: string | number | boolean): string => String(value);

/**
 * The {@link Warehouse} on Amazon Redshift through the Data API (Serverless workgroup or
 * provisioned cluster, IAM or Secrets Manager auth).
 *
 * A load is one `BatchExecuteStatement`, which runs as a single transaction: create a temporary
 * staging table like the target, fill it (`COPY` from the staged rows' manifest, or parameterised
 * `INSERT`s), delete the rows it replaces, insert the staged rows, drop the stage. Values only ever
 * travel as Data API parameters; the COPY source and role are validated S3 URL and ARN.
 * https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html
 */
export class RedshiftDataWarehouse implements Warehouse, QueryableWarehouse, ReadableWarehouse {
  private readonly ensure = oncePerStatement((sql) => this.execute([sql], []));
  // A batch runs as one transaction ("The SQL statements are run as a single transaction",
  // https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_BatchExecuteStatement.html):
  // readers of the view never see it dropped.
  private readonly ensureViewOnce = oncePerKey(
    (view: WarehouseView) => viewStatements(view).create,
    async (view: WarehouseView) => {
      const { replace, drop, create } = viewStatements(view);
      // Replace keeps the view's grants; a changed set of columns needs drop and create (viewStatements).
      await this.execute([replace], []).catch(async (error: unknown) => {
        if (!(error instanceof WarehouseError)) throw error;
        await this.execute([drop, create], []);
      });
    },
  );
  // Creates the table, then adds the columns a table created by an earlier release lacks (schema
  // evolution, docs/SCHEMA.md). Keyed by the CREATE statement: once per definition and container.
  private readonly ensureTableOnce = oncePerKey(
    (table: WarehouseTable) => createTableStatement(table, 'redshift'),
    async (table: WarehouseTable) => {
      await this.ensure(createTableStatement(table, 'redshift'));
      const description = await this.execute(
        [existingColumnsStatement('redshift', ':table_name')],
        [{ name: 'table_name', value: table.name }],
      );
      if (!description.Id) throw new WarehouseError('The Data API returned no statement id');
      const existing = (await this.records(description.Id)).map(([name]) => String(name));
      for (const column of missingColumns(table, existing)) {
        await this.execute([addColumnStatement(table, column, 'redshift')], []).catch((error: unknown) => {
          // A concurrent loader added it first: Redshift has no ADD COLUMN IF NOT EXISTS.
          if (!(error instanceof WarehouseError && ALREADY_EXISTS(column.name).test(error.message)))
            throw error;
        });
      }
    },
  );
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly poll: { initialDelayMs: number; factor: number; maxDelayMs: number };
  private readonly deadlineMs: number;

  constructor(private readonly options: RedshiftDataWarehouseOptions) {
    if (options.copyRoleArn !== undefined && !ROLE_ARN.test(options.copyRoleArn)) {
      throw new WarehouseError(`Not an IAM role ARN: ${options.copyRoleArn}`);
    }
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.poll = options.poll ?? { initialDelayMs: 250, factor: 1.5, maxDelayMs: 3000 };
    this.deadlineMs = options.deadlineMs ?? 5 * 60 * 1000;
  }

  async ensureTable(table: WarehouseTable): Promise<void> {
    return this.ensureTableOnce(table);
  }

  async replaceRows(request: ReplaceRowsRequest): Promise<LoadResult> {
    checkReplaceRequest(request);
    const { table, scope, rows, staged } = request;
    if (!staged && rows.length > INLINE_ROWS_PER_TRANSACTION) {
      throw new WarehouseError(
        `${table.name}: ${rows.length} rows need to be staged in S3 (COPY) for a replace`,
      );
    }
    await this.ensureTable(table);
    const scopeColumns = Object.keys(scope);
    const parameters: SqlParameter[] = scopeColumns.map((column, index) => ({
      name: `scope_${index}`,
      value: parameterValue(scope[column] as string | number | boolean),
    }));
    const where = scopeColumns
      .map(
        (column, index) =>
          `${quoteIdentifier(column)} = CAST(:scope_${index} AS ${this.typeOf(table, column)})`,
      )
      .join(' AND ');
    const fill = this.fillStage(table, rows, staged, parameters);
    const result = await this.load(
      table,
      fill,
      `DELETE FROM ${quoteIdentifier(table.name)} WHERE ${where}`,
      parameters,
    );
    return { table: table.name, ...result };
  }

  async upsertRows(request: UpsertRowsRequest): Promise<LoadResult> {
    checkUpsertRequest(request);
    const { table, rows, staged } = request;
    await this.ensureTable(table);
    if (rows.length === 0) return { table: table.name, deleted: 0, inserted: 0 };
    const target = quoteIdentifier(table.name);
    const matches = table.keyColumns.map(
      (key) => `${target}.${quoteIdentifier(key)} = ${STAGE}.${quoteIdentifier(key)}`,
    );
    const remove = `DELETE FROM ${target} USING ${STAGE} WHERE ${matches.join(' AND ')}`;
    const total: LoadResult = { table: table.name, deleted: 0, inserted: 0 };
    const chunks = staged ? [rows] : chunk(rows, INLINE_ROWS_PER_TRANSACTION);
    for (const part of chunks) {
      const parameters: SqlParameter[] = [];
      const result = await this.load(
        table,
        this.fillStage(table, part, staged, parameters),
        remove,
        parameters,
      );
      total.deleted += result.deleted;
      total.inserted += result.inserted;
    }
    return total;
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
      const parameters: SqlParameter[] = [];
      const sql = keyLookupSql(table, part, (value, column) => {
        const name = `k${parameters.length}`;
        parameters.push({ name, value: parameterValue(value) });
        return `CAST(:${name} AS ${sqlType(column.type, 'redshift')})`;
      });
      const description = await this.execute([sql], parameters);
      if (!description.Id) throw new WarehouseError('The Data API returned no statement id');
      for (const index of await this.firstColumnIntegers(description.Id)) found.push(part[index]!);
    }
    return found;
  }

  /**
   * One `ExecuteStatement`, then every page of `GetStatementResult`. The Data API has no read-only
   * mode: grant the database user only `SELECT` on what it reads, if it should not write.
   */
  async select(request: SelectRequest): Promise<WarehouseRow[]> {
    const parameters: SqlParameter[] = [];
    const sql = selectStatement(request, 'redshift', (name, { value }) => {
      parameters.push({ name, value: parameterValue(value) });
      return `:${name}`;
    });
    const description = await this.execute([sql], parameters);
    if (!description.Id) throw new WarehouseError('The Data API returned no statement id');
    if (description.HasResultSet === false) return readSelectedRows(request, []);
    return readSelectedRows(request, await this.records(description.Id));
  }

  async close(): Promise<void> {
    // The Data API is stateless HTTP: nothing to release.
  }

  /** Every result row of a finished statement (all pages), each field as a plain value. */
  private async records(id: string): Promise<unknown[][]> {
    const rows: unknown[][] = [];
    let token: string | undefined;
    do {
      const page = await this.send(() =>
        this.options.client.send(
          new GetStatementResultCommand({ Id: id, ...(token ? { NextToken: token } : {}) }),
        ),
      );
      for (const record of page.Records ?? []) rows.push(record.map(fieldValue));
      token = page.NextToken;
    } while (token);
    return rows;
  }

  /** The first column of every result row of a finished statement, as integers (all pages). */
  private async firstColumnIntegers(id: string): Promise<number[]> {
    return (await this.records(id)).flatMap(([value]) => (typeof value === 'number' ? [value] : []));
  }

  private typeOf(table: WarehouseTable, column: string): string {
    const type = table.columns.find(({ name }) => name === column)?.type;
    if (!type) throw new WarehouseError(`${table.name}: no column ${column}`);
    return sqlType(type, 'redshift');
  }

  /** Statements that fill the stage, adding the parameters they use. */
  private fillStage(
    table: WarehouseTable,
    rows: readonly WarehouseRow[],
    staged: StagedRows | undefined,
    parameters: SqlParameter[],
  ): string[] {
    const columnList = table.columns.map(({ name }) => quoteIdentifier(name)).join(', ');
    if (rows.length === 0) return [];
    if (staged) {
      if (!S3_URL.test(staged.manifestUrl))
        throw new WarehouseError(`Not a plain S3 URL: ${staged.manifestUrl}`);
      if (!this.options.copyRoleArn)
        throw new WarehouseError('Staged loads need copyRoleArn (the role Redshift assumes for COPY)');
      // https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-json.html
      return [
        `COPY ${STAGE} (${columnList}) FROM '${staged.manifestUrl}' IAM_ROLE '${this.options.copyRoleArn}' ` +
          `FORMAT AS JSON 'auto' MANIFEST TIMEFORMAT 'auto' DATEFORMAT 'auto'`,
      ];
    }
    return chunk(rows, INLINE_ROWS_PER_STATEMENT).map((part) => {
      const tuples = part.map((row) => {
        const cells = table.columns.map(({ name, type }) => {
          const value = row[name] ?? null;
          if (value === null) return 'NULL';
          const parameter = `p${parameters.length}`;
          parameters.push({ name: parameter, value: parameterValue(value) });
          return `CAST(:${parameter} AS ${sqlType(type, 'redshift')})`;
        });
        return `(${cells.join(', ')})`;
      });
      return `INSERT INTO ${STAGE} (${columnList}) VALUES ${tuples.join(', ')}`;
    });
  }

  private async load(
    table: WarehouseTable,
    fill: string[],
    remove: string,
    parameters: SqlParameter[],
  ): Promise<{ deleted: number; inserted: number }> {
    const target = quoteIdentifier(table.name);
    const columnList = table.columns.map(({ name }) => quoteIdentifier(name)).join(', ');
    const sqls = [
      `CREATE TEMP TABLE ${STAGE} (LIKE ${target})`,
      ...fill,
      remove,
      `INSERT INTO ${target} (${columnList}) SELECT ${columnList} FROM ${STAGE}`,
      `DROP TABLE ${STAGE}`,
    ];
    const description = await this.execute(sqls, parameters);
    const rowsOf = (index: number) => Math.max(0, description.SubStatements?.[index]?.ResultRows ?? 0);
    return { deleted: rowsOf(sqls.length - 3), inserted: rowsOf(sqls.length - 2) };
  }

  /** Runs statements as one transaction and waits for them. */
  private async execute(sqls: string[], parameters: SqlParameter[]): Promise<DescribeStatementResponse> {
    const target = this.options.target;
    const common = {
      Database: target.database,
      ...('workgroupName' in target
        ? { WorkgroupName: target.workgroupName }
        : {
            ClusterIdentifier: target.clusterIdentifier,
            ...(target.dbUser ? { DbUser: target.dbUser } : {}),
            ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
          }),
      ...(parameters.length > 0 ? { Parameters: parameters } : {}),
    };
    const started = await this.send(() =>
      sqls.length === 1
        ? this.options.client.send(new ExecuteStatementCommand({ ...common, Sql: sqls[0] }))
        : this.options.client.send(new BatchExecuteStatementCommand({ ...common, Sqls: sqls })),
    );
    if (!started.Id) throw new WarehouseError('The Data API returned no statement id');
    return this.waitFor(started.Id);
  }

  private async waitFor(id: string): Promise<DescribeStatementResponse> {
    const deadline = this.now() + this.deadlineMs;
    let delay = this.poll.initialDelayMs;
    for (;;) {
      const description = await this.send(() =>
        this.options.client.send(new DescribeStatementCommand({ Id: id })),
      );
      switch (description.Status) {
        case 'FINISHED':
          return description;
        case 'FAILED':
        case 'ABORTED': {
          const reason = description.Error ?? description.Status;
          const message = `Redshift statement ${id} ${description.Status}: ${reason}`;
          throw isTransientRedshiftStatementError(reason)
            ? new WarehouseUnavailableError(message)
            : new WarehouseError(message);
        }
        default:
          if (this.now() + delay > deadline) {
            await this.options.client.send(new CancelStatementCommand({ Id: id })).catch(() => undefined);
            throw new WarehouseUnavailableError(
              `Redshift statement ${id} still ${description.Status} after ${this.deadlineMs} ms: cancelled`,
            );
          }
          await this.sleep(delay);
          delay = Math.min(this.poll.maxDelayMs, delay * this.poll.factor);
      }
    }
  }

  /** Maps SDK errors to the warehouse's error kinds. */
  private async send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof WarehouseError) throw error;
      const name = error instanceof Error ? error.name : 'Error';
      const message = `Redshift Data API ${name}: ${error instanceof Error ? error.message : String(error)}`;
      const wrapped = TRANSIENT_SDK_ERRORS.has(name)
        ? new WarehouseUnavailableError(message)
        : new WarehouseError(message);
      wrapped.cause = error;
      throw wrapped;
    }
  }
}

/** A Data API field as a plain value: one member of the union is set, or `isNull`. */
const fieldValue = (field: Field): unknown => {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return Number(field.longValue);
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  return null;
};
