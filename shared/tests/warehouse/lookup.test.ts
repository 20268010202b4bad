import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import {
  keyLookupSql,
  PostgresWarehouse,
  validateTable,
  viewStatements,
  WarehouseError,
  type SqlClient,
  type WarehouseTable,
} from '../../src/warehouse';
import { RedshiftDataWarehouse } from '../../src/warehouse/adapters';

// The lookups and views added to the warehouse port for analytics-sink (QueryableWarehouse).
const TABLE: WarehouseTable = validateTable({
  name: 'window_part',
  columns: [
    { name: 'device_id', type: 'string', nullable: false },
    { name: 'window_start', type: 'timestamp', nullable: false },
    { name: 'event_count', type: 'int', nullable: false },
  ],
  keyColumns: ['device_id', 'window_start'],
});
const KEYS = [
  { device_id: 'dev-1', window_start: '2026-11-25 08:00:00.000' },
  { device_id: 'dev-2', window_start: '2026-11-25 08:00:00.000' },
  { device_id: 'dev-3', window_start: '2026-11-25 08:01:00.000' },
];

describe('keyLookupSql', () => {
  it('selects the positions of the keys that exist, binding each value once', () => {
    const values: unknown[] = [];
    const sql = keyLookupSql(TABLE, KEYS.slice(0, 2), (value) => {
      values.push(value);
      return `$${values.length}`;
    });
    expect(sql).toBe(
      'SELECT DISTINCT CASE WHEN ("device_id" = $1 AND "window_start" = $2) THEN 0 WHEN ("device_id" = $3 AND "window_start" = $4) THEN 1 END AS key_index ' +
        'FROM "window_part" WHERE ("device_id" = $1 AND "window_start" = $2) OR ("device_id" = $3 AND "window_start" = $4)',
    );
    expect(values).toEqual(['dev-1', '2026-11-25 08:00:00.000', 'dev-2', '2026-11-25 08:00:00.000']);
  });
});

describe('viewStatements', () => {
  it('replaces a view from one SELECT, or drops and creates it when its columns change', () => {
    expect(viewStatements({ name: 'merged', select: ' SELECT 1 AS one ' })).toEqual({
      replace: 'CREATE OR REPLACE VIEW "merged" AS\nSELECT 1 AS one',
      drop: 'DROP VIEW IF EXISTS "merged"',
      create: 'CREATE VIEW "merged" AS\nSELECT 1 AS one',
    });
  });

  it.each([
    [{ name: 'Merged', select: 'SELECT 1' }],
    [{ name: 'merged', select: 'DROP TABLE x' }],
    [{ name: 'merged', select: 'SELECT 1; DROP TABLE x' }],
  ])('refuses %j', (view) => {
    expect(() => viewStatements(view)).toThrow(WarehouseError);
  });
});

describe('PostgresWarehouse lookups', () => {
  const client = (rows: Record<string, unknown>[]) => {
    const calls: [string, readonly unknown[] | undefined][] = [];
    const sql: SqlClient = {
      query: async (text, parameters) => {
        calls.push([text, parameters]);
        // The column lookup of ensureTable finds no table: CREATE TABLE made it whole.
        const lookup = text.startsWith('SELECT') && !text.includes('information_schema');
        return { rows: lookup ? rows : [], affectedRows: 0 };
      },
      transaction: (work) => work(sql),
      close: async () => undefined,
    };
    return { sql, calls };
  };

  it('answers with the requested key objects that have a row', async () => {
    const { sql, calls } = client([{ key_index: 2 }, { key_index: 0 }]);
    const found = await new PostgresWarehouse(sql).existingKeys({ table: TABLE, keys: KEYS });
    expect(found).toEqual([KEYS[2], KEYS[0]]);
    expect(found[0]).toBe(KEYS[2]);
    expect(calls[1]![0]).toMatch(/^CREATE TABLE IF NOT EXISTS "window_part"/);
  });

  it('refuses keys that are not exactly the key columns', async () => {
    const { sql } = client([]);
    await expect(
      new PostgresWarehouse(sql).existingKeys({ table: TABLE, keys: [{ device_id: 'dev-1' }] }),
    ).rejects.toThrow('exactly device_id, window_start');
  });

  it('replaces a view once per instance, keeping the grants given on it', async () => {
    const { sql, calls } = client([]);
    const warehouse = new PostgresWarehouse(sql);
    await warehouse.ensureView({ name: 'merged', select: 'SELECT 1 AS one' });
    await warehouse.ensureView({ name: 'merged', select: 'SELECT 1 AS one' });
    expect(calls.map(([text]) => text)).toEqual([
      'SELECT pg_advisory_xact_lock($1::bigint)',
      'SAVEPOINT replace_view',
      'CREATE OR REPLACE VIEW "merged" AS\nSELECT 1 AS one',
    ]);
  });

  it('drops and creates the view in the same transaction when its columns changed shape (42P16)', async () => {
    const { sql, calls } = client([]);
    const query = sql.query;
    sql.query = async (text, parameters) => {
      if (text.startsWith('CREATE OR REPLACE VIEW')) {
        calls.push([text, parameters]);
        throw Object.assign(new Error('cannot change name of view column "a" to "b"'), { code: '42P16' });
      }
      return query(text, parameters);
    };
    await new PostgresWarehouse(sql).ensureView({ name: 'merged', select: 'SELECT 1 AS one' });
    expect(calls.map(([text]) => text)).toEqual([
      'SELECT pg_advisory_xact_lock($1::bigint)',
      'SAVEPOINT replace_view',
      'CREATE OR REPLACE VIEW "merged" AS\nSELECT 1 AS one',
      'ROLLBACK TO SAVEPOINT replace_view',
      'DROP VIEW IF EXISTS "merged"',
      'CREATE VIEW "merged" AS\nSELECT 1 AS one',
    ]);
  });

  it('does not drop a view when replacing it failed for another reason', async () => {
    const { sql, calls } = client([]);
    const query = sql.query;
    sql.query = async (text, parameters) => {
      if (text.startsWith('CREATE OR REPLACE VIEW'))
        throw Object.assign(new Error('must be owner of view merged'), { code: '42501' });
      return query(text, parameters);
    };
    await expect(
      new PostgresWarehouse(sql).ensureView({ name: 'merged', select: 'SELECT 1 AS one' }),
    ).rejects.toThrow('must be owner of view merged');
    expect(calls.map(([text]) => text)).not.toContain('DROP VIEW IF EXISTS "merged"');
  });
});

describe('RedshiftDataWarehouse lookups', () => {
  const redshift = mockClient(RedshiftDataClient);
  const warehouse = () =>
    new RedshiftDataWarehouse({
      client: new RedshiftDataClient({ region: 'us-east-1' }),
      target: { workgroupName: 'pipeline', database: 'dev' },
      sleep: async () => undefined,
    });
  beforeEach(() => {
    redshift.reset();
    redshift.on(ExecuteStatementCommand).callsFake((input: { Sql?: string }) => ({
      Id: input.Sql?.includes('svv_columns') ? 'columns-1' : 'stmt-1',
    }));
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'stmt-1' });
    redshift
      .on(DescribeStatementCommand)
      .callsFake((input: { Id?: string }) => ({ Id: input.Id, Status: 'FINISHED' }));
    // The column lookup of ensureTable: the table has every column.
    redshift
      .on(GetStatementResultCommand, { Id: 'columns-1' })
      .resolves({ Records: TABLE.columns.map(({ name }) => [{ stringValue: name }]) });
  });

  it('binds typed parameters and reads every page of the result', async () => {
    redshift
      .on(GetStatementResultCommand, { Id: 'stmt-1' })
      .resolvesOnce({ Records: [[{ longValue: 1 }]], NextToken: 'page-2' })
      .resolvesOnce({ Records: [[{ longValue: 2 }]] });

    expect(await warehouse().existingKeys({ table: TABLE, keys: KEYS })).toEqual([KEYS[1], KEYS[2]]);

    const lookup = redshift
      .commandCalls(ExecuteStatementCommand)
      .map((call) => call.args[0].input)
      .find(({ Sql }) => Sql?.startsWith('SELECT') && !Sql.includes('svv_columns'))!;
    expect(lookup.Sql).toContain(
      '"device_id" = CAST(:k0 AS VARCHAR(1024)) AND "window_start" = CAST(:k1 AS TIMESTAMP)',
    );
    expect(lookup).toMatchObject({ WorkgroupName: 'pipeline', Database: 'dev' });
    expect(lookup.Parameters?.slice(0, 2)).toEqual([
      { name: 'k0', value: 'dev-1' },
      { name: 'k1', value: '2026-11-25 08:00:00.000' },
    ]);
    expect(
      redshift
        .commandCalls(GetStatementResultCommand)
        .filter((call) => call.args[0].input.Id === 'stmt-1')
        .map((call) => call.args[0].input.NextToken),
    ).toEqual([undefined, 'page-2']);
  });

  it('replaces a view, keeping the grants given on it', async () => {
    await warehouse().ensureView({ name: 'merged', select: 'SELECT 1 AS one' });
    expect(redshift.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input.Sql)).toEqual([
      'CREATE OR REPLACE VIEW "merged" AS\nSELECT 1 AS one',
    ]);
    expect(redshift.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
  });

  it('drops and creates a view in one batch (one transaction) when Redshift refuses the replace', async () => {
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'replace-1' });
    redshift.on(DescribeStatementCommand, { Id: 'replace-1' }).resolves({
      Id: 'replace-1',
      Status: 'FAILED',
      Error: 'ERROR: cannot change number of columns in view',
    });
    await warehouse().ensureView({ name: 'merged', select: 'SELECT 1 AS one' });
    expect(redshift.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input.Sqls).toEqual([
      'DROP VIEW IF EXISTS "merged"',
      'CREATE VIEW "merged" AS\nSELECT 1 AS one',
    ]);
  });
});
