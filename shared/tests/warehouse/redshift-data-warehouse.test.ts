import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  ValidationException,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { WarehouseError, type WarehouseTable } from '../../src/warehouse';
import { isTransientRedshiftStatementError, RedshiftDataWarehouse } from '../../src/warehouse/adapters';

const redshift = mockClient(RedshiftDataClient);
const sleeps: number[] = [];
let now = 0;

const table: WarehouseTable = {
  name: 'report_data_quality',
  columns: [
    { name: 'dt', type: 'date', nullable: false },
    { name: 'hour', type: 'string', nullable: false },
    { name: 'records', type: 'bigint', nullable: true },
    { name: 'max_lateness_seconds', type: 'double', nullable: true },
  ],
  keyColumns: ['dt', 'hour'],
};
const row = { dt: '2026-03-01', hour: '10', records: 120, max_lateness_seconds: null };
const COPY_ROLE = 'arn:aws:iam::123456789012:role/report-runner-dev-redshift-copy';
/** A sub-statement of the batch with its row count. */
const sub = (ResultRows: number, index: number) => ({ Id: `load-1:${index + 1}`, ResultRows });
const MANIFEST = 's3://reports-bucket/reports/data_quality/dt=2026-03-01/hour=10/_copy.manifest';

const warehouse = (options: Partial<ConstructorParameters<typeof RedshiftDataWarehouse>[0]> = {}) =>
  new RedshiftDataWarehouse({
    client: new RedshiftDataClient({ region: 'us-east-1' }),
    target: { workgroupName: 'report-runner-dev', database: 'dev' },
    copyRoleArn: COPY_ROLE,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
    ...options,
  });

beforeEach(() => {
  redshift.reset();
  sleeps.length = 0;
  now = 0;
  redshift.on(ExecuteStatementCommand).resolves({ Id: 'ddl-1' });
  redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'load-1' });
  redshift.on(DescribeStatementCommand, { Id: 'ddl-1' }).resolves({ Id: 'ddl-1', Status: 'FINISHED' });
  // The column lookup after CREATE TABLE: the table has every column.
  redshift
    .on(GetStatementResultCommand)
    .resolves({ Records: table.columns.map(({ name }) => [{ stringValue: name }]) });
});

/** The SQL of every ExecuteStatement call, in order. */
const executed = () => redshift.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input.Sql);

describe('the Redshift Data API warehouse', () => {
  it('loads staged rows with COPY from the manifest and replaces the partition in one transaction', async () => {
    redshift
      .on(DescribeStatementCommand, { Id: 'load-1' })
      .resolvesOnce({ Id: 'load-1', Status: 'SUBMITTED' })
      .resolvesOnce({ Id: 'load-1', Status: 'STARTED' })
      .resolves({
        Id: 'load-1',
        Status: 'FINISHED',
        SubStatements: [0, 1, 1, 1, 0].map(sub),
      });
    const result = await warehouse().replaceRows({
      table,
      scope: { dt: '2026-03-01', hour: '10' },
      rows: [row],
      staged: { manifestUrl: MANIFEST, format: 'ndjson' },
    });
    expect(result).toEqual({ table: 'report_data_quality', deleted: 1, inserted: 1 });

    const ddl = redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input;
    expect(ddl).toEqual(
      expect.objectContaining({
        WorkgroupName: 'report-runner-dev',
        Database: 'dev',
        Sql: expect.stringMatching(/^CREATE TABLE IF NOT EXISTS "report_data_quality"/),
      }),
    );
    const batch = redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input;
    expect(batch).toEqual({
      WorkgroupName: 'report-runner-dev',
      Database: 'dev',
      Parameters: [
        { name: 'scope_0', value: '2026-03-01' },
        { name: 'scope_1', value: '10' },
      ],
      Sqls: [
        'CREATE TEMP TABLE "load_stage" (LIKE "report_data_quality")',
        `COPY "load_stage" ("dt", "hour", "records", "max_lateness_seconds") FROM '${MANIFEST}' IAM_ROLE '${COPY_ROLE}' FORMAT AS JSON 'auto' MANIFEST TIMEFORMAT 'auto' DATEFORMAT 'auto'`,
        'DELETE FROM "report_data_quality" WHERE "dt" = CAST(:scope_0 AS DATE) AND "hour" = CAST(:scope_1 AS VARCHAR(1024))',
        'INSERT INTO "report_data_quality" ("dt", "hour", "records", "max_lateness_seconds") SELECT "dt", "hour", "records", "max_lateness_seconds" FROM "load_stage"',
        'DROP TABLE "load_stage"',
      ],
    });
    expect(sleeps).toEqual([250, 375]);
  });

  it('upserts inline rows through Data API parameters, NULLs as literals, deleting matching keys first', async () => {
    redshift
      .on(DescribeStatementCommand, { Id: 'load-1' })
      .resolves({ Id: 'load-1', Status: 'FINISHED', SubStatements: [0, 1, 0, 1, 0].map(sub) });
    await warehouse().upsertRows({ table, rows: [row] });
    const batch = redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input;
    expect(batch?.Sqls?.[1]).toBe(
      'INSERT INTO "load_stage" ("dt", "hour", "records", "max_lateness_seconds") VALUES (CAST(:p0 AS DATE), CAST(:p1 AS VARCHAR(1024)), CAST(:p2 AS BIGINT), NULL)',
    );
    expect(batch?.Parameters).toEqual([
      { name: 'p0', value: '2026-03-01' },
      { name: 'p1', value: '10' },
      { name: 'p2', value: '120' },
    ]);
    expect(batch?.Sqls?.[2]).toBe(
      'DELETE FROM "report_data_quality" USING "load_stage" WHERE "report_data_quality"."dt" = "load_stage"."dt" AND "report_data_quality"."hour" = "load_stage"."hour"',
    );
  });

  it('creates each table once, and targets a provisioned cluster with its database user', async () => {
    redshift
      .on(DescribeStatementCommand, { Id: 'load-1' })
      .resolves({ Id: 'load-1', Status: 'FINISHED', SubStatements: [] });
    const cluster = warehouse({
      target: { clusterIdentifier: 'analytics', database: 'dev', dbUser: 'loader' },
    });
    await cluster.upsertRows({ table, rows: [row] });
    await cluster.upsertRows({ table, rows: [row] });
    expect(executed()).toEqual([
      expect.stringMatching(/^CREATE TABLE IF NOT EXISTS "report_data_quality"/),
      'SELECT column_name FROM svv_columns WHERE table_schema = current_schema() AND table_name = :table_name',
    ]);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input).toEqual(
      expect.objectContaining({ ClusterIdentifier: 'analytics', DbUser: 'loader', Database: 'dev' }),
    );
  });

  describe('on a table created by an earlier release (schema evolution)', () => {
    beforeEach(() => {
      redshift
        .on(GetStatementResultCommand)
        .resolves({ Records: [[{ stringValue: 'dt' }], [{ stringValue: 'hour' }]] });
      redshift
        .on(DescribeStatementCommand, { Id: 'load-1' })
        .resolves({ Id: 'load-1', Status: 'FINISHED', SubStatements: [0, 1, 0, 1, 0].map(sub) });
    });

    it('adds each missing column with its own ALTER TABLE, nullable, before the load', async () => {
      await warehouse().upsertRows({ table, rows: [row] });
      expect(executed()).toEqual([
        expect.stringMatching(/^CREATE TABLE IF NOT EXISTS/),
        expect.stringMatching(/^SELECT column_name FROM svv_columns/),
        'ALTER TABLE "report_data_quality" ADD COLUMN "records" BIGINT',
        'ALTER TABLE "report_data_quality" ADD COLUMN "max_lateness_seconds" DOUBLE PRECISION',
      ]);
      expect(redshift.commandCalls(ExecuteStatementCommand)[1]?.args[0].input.Parameters).toEqual([
        { name: 'table_name', value: 'report_data_quality' },
      ]);
      expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1);
    });

    it('takes a column a concurrent loader added first as added, and fails on any other ALTER error', async () => {
      redshift.on(ExecuteStatementCommand).callsFake((input: { Sql?: string }) => ({
        Id: input.Sql?.startsWith('ALTER') && input.Sql.includes('"records"') ? 'alter-1' : 'ddl-1',
      }));
      redshift.on(DescribeStatementCommand, { Id: 'alter-1' }).resolves({
        Id: 'alter-1',
        Status: 'FAILED',
        Error: 'ERROR: column "records" of relation "report_data_quality" already exists',
      });
      await expect(warehouse().upsertRows({ table, rows: [row] })).resolves.toEqual({
        table: 'report_data_quality',
        deleted: 0,
        inserted: 1,
      });

      redshift.on(DescribeStatementCommand, { Id: 'alter-1' }).resolves({
        Id: 'alter-1',
        Status: 'FAILED',
        Error: 'ERROR: permission denied for relation report_data_quality',
      });
      await expect(warehouse().upsertRows({ table, rows: [row] })).rejects.toMatchObject({
        transient: false,
        message: expect.stringContaining('permission denied'),
      });
    });

    it('refuses a key column the existing table lacks: a changed key needs a migration', async () => {
      redshift.on(GetStatementResultCommand).resolves({ Records: [[{ stringValue: 'dt' }]] });
      await expect(warehouse().upsertRows({ table, rows: [row] })).rejects.toThrow(
        /key columns hour are missing from the existing table/,
      );
      expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    });
  });

  it('refuses a non-finite number before any statement, naming the column', async () => {
    redshift.resetHistory();
    await expect(
      warehouse().upsertRows({ table, rows: [{ ...row, max_lateness_seconds: Number.NaN }] }),
    ).rejects.toMatchObject({
      transient: false,
      message: 'report_data_quality: row 0 has max_lateness_seconds = NaN, not a finite number',
    });
    expect(redshift.calls()).toEqual([]);
  });

  it('fails with the statement error; a serialization conflict is transient, a SQL error is not', async () => {
    redshift.on(DescribeStatementCommand, { Id: 'load-1' }).resolves({
      Id: 'load-1',
      Status: 'FAILED',
      Error: 'ERROR: 1023 DETAIL: Serializable isolation violation on table',
    });
    await expect(warehouse().upsertRows({ table, rows: [row] })).rejects.toMatchObject({
      transient: true,
      name: 'WarehouseUnavailableError',
    });
    redshift
      .on(DescribeStatementCommand, { Id: 'load-1' })
      .resolves({ Id: 'load-1', Status: 'FAILED', Error: 'ERROR: column "records" is of type bigint' });
    await expect(warehouse().upsertRows({ table, rows: [row] })).rejects.toMatchObject({
      transient: false,
      message: expect.stringContaining('column "records"'),
    });
  });

  it('maps throttling to a transient error and validation errors to permanent ones', async () => {
    redshift
      .on(BatchExecuteStatementCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(warehouse().upsertRows({ table, rows: [row] })).rejects.toMatchObject({ transient: true });
    redshift
      .on(BatchExecuteStatementCommand)
      .rejects(new ValidationException({ message: 'bad', $metadata: {} }));
    await expect(warehouse().upsertRows({ table, rows: [row] })).rejects.toMatchObject({ transient: false });
  });

  it('cancels a statement that outlives the deadline', async () => {
    redshift.on(DescribeStatementCommand, { Id: 'load-1' }).resolves({ Id: 'load-1', Status: 'STARTED' });
    redshift.on(CancelStatementCommand).resolves({ Status: true });
    await expect(warehouse({ deadlineMs: 2000 }).upsertRows({ table, rows: [row] })).rejects.toMatchObject({
      transient: true,
    });
    expect(redshift.commandCalls(CancelStatementCommand)[0]?.args[0].input).toEqual({ Id: 'load-1' });
  });

  it('refuses a COPY source or role that is not a plain S3 URL or role ARN', async () => {
    await expect(
      warehouse().replaceRows({
        table,
        scope: { dt: '2026-03-01', hour: '10' },
        rows: [row],
        staged: { manifestUrl: "s3://b/x' IAM_ROLE 'y", format: 'ndjson' },
      }),
    ).rejects.toThrow(WarehouseError);
    expect(() => warehouse({ copyRoleArn: "arn' --" })).toThrow(/Not an IAM role ARN/);
  });
});

describe('which failed Redshift statements are worth a retry (DescribeStatement Error)', () => {
  it.each([
    // https://docs.aws.amazon.com/redshift/latest/dg/c_serial_isolation-serializable-isolation-troubleshooting.html
    [
      'ERROR: 1023 DETAIL: Serializable isolation violation on table - 101, transactions forming the cycle are: 7, 8 (pid:9)',
      true,
    ],
    ['ERROR:1023 DETAIL: Serializable isolation violation on table in Redshift', true],
    // Two containers creating the same table or view at once (catalog unique index, catalog row).
    ['ERROR: duplicate key value violates unique constraint "pg_type_typname_nsp_index"', true],
    ['ERROR: duplicate key value violates unique constraint "pg_class_relname_nsp_index"', true],
    ['ERROR: tuple concurrently updated', true],
    ['ERROR: could not connect to server: Connection refused', true],
    ['ERROR: server closed the connection unexpectedly', true],
    ['ERROR: The workgroup is resuming. Try again later.', true],
    ['ERROR: permission denied for schema public', false],
    ['ERROR: must be owner of relation realtime_device_window', false],
    ['ERROR: relation "connection_log" does not exist', false],
    ['ERROR: value "10230" is out of range for type smallint', false],
    ['ERROR: column "records" is of type bigint but expression is of type character varying', false],
    [
      "ERROR: Load into table 'report_data_quality' failed. Check 'sys_load_error_detail' system table for details.",
      false,
    ],
  ])('%s -> transient=%s', (reason, transient) => {
    expect(isTransientRedshiftStatementError(reason)).toBe(transient);
  });
});
