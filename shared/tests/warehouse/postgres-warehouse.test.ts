import {
  advisoryLockKey,
  PostgresWarehouse,
  ROWS_PER_LOAD_STATEMENT,
  WarehouseError,
  WarehouseUnavailableError,
  type SqlClient,
  type SqlExecutor,
  type WarehouseTable,
} from '../../src/warehouse';

const table: WarehouseTable = {
  name: 'report_site_hourly_summary',
  columns: [
    { name: 'dt', type: 'date', nullable: false },
    { name: 'hour', type: 'string', nullable: false },
    { name: 'site', type: 'string', nullable: false },
    { name: 'readings', type: 'bigint', nullable: true },
  ],
  keyColumns: ['dt', 'hour', 'site'],
};

/** A SqlClient recording statements, with a switch to fail the next transaction. */
const recordingClient = () => {
  const log: { sql: string; parameters: readonly unknown[]; inTransaction: boolean }[] = [];
  let failure: unknown;
  const executor = (inTransaction: boolean): SqlExecutor => ({
    async query(sql, parameters = []) {
      log.push({ sql, parameters, inTransaction });
      // A load binds its rows as one JSON array: as many rows affected as it holds.
      const loaded = sql.startsWith('INSERT') ? (JSON.parse(String(parameters[0])) as unknown[]).length : 0;
      return { rows: [], affectedRows: sql.startsWith('DELETE') ? 2 : loaded };
    },
  });
  const client: SqlClient = {
    ...executor(false),
    async transaction(work) {
      if (failure) throw failure;
      return work(executor(true));
    },
    close: async () => undefined,
  };
  return { client, log, failNext: (error: unknown) => (failure = error) };
};

const rows = [
  { dt: '2026-03-01', hour: '10', site: 'plant-a', readings: 5 },
  { dt: '2026-03-01', hour: '10', site: 'plant-b', readings: 7 },
];

describe('the Postgres warehouse', () => {
  it('replaces a scope in one transaction: slice lock, parameterised DELETE, then INSERT', async () => {
    const { client, log } = recordingClient();
    const result = await new PostgresWarehouse(client).replaceRows({
      table,
      scope: { dt: '2026-03-01', hour: '10' },
      rows,
    });
    expect(result).toEqual({ table: 'report_site_hourly_summary', deleted: 2, inserted: 2 });
    const ddlLock = advisoryLockKey('pipeline warehouse: ddl');
    expect(log.slice(0, 3)).toEqual([
      { sql: 'SELECT pg_advisory_xact_lock($1::bigint)', parameters: [ddlLock], inTransaction: true },
      expect.objectContaining({
        sql: expect.stringMatching(/^CREATE TABLE IF NOT EXISTS/),
        inTransaction: true,
      }),
      {
        sql: 'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        parameters: ['report_site_hourly_summary'],
        inTransaction: true,
      },
    ]);
    expect(log.slice(3)).toEqual([
      {
        sql: 'SELECT pg_advisory_xact_lock($1::bigint)',
        parameters: [expect.not.stringMatching(`^${ddlLock}$`)],
        inTransaction: true,
      },
      {
        sql: 'DELETE FROM "report_site_hourly_summary" WHERE "dt" = $1 AND "hour" = $2',
        parameters: ['2026-03-01', '10'],
        inTransaction: true,
      },
      {
        sql:
          'INSERT INTO "report_site_hourly_summary" ("dt", "hour", "site", "readings") ' +
          'SELECT "dt", "hour", "site", "readings" FROM json_to_recordset($1::json) ' +
          'AS loaded("dt" DATE, "hour" TEXT, "site" TEXT, "readings" BIGINT)',
        parameters: [JSON.stringify(rows)],
        inTransaction: true,
      },
    ]);
  });

  // PostgreSQL takes at most 65,535 bind parameters per statement (the wire protocol's Bind message
  // counts them in an Int16: https://www.postgresql.org/docs/current/protocol-message-formats.html),
  // and a statement's parse and plan grow with them. The rows of a load travel as one JSON value
  // (json_to_recordset, https://www.postgresql.org/docs/current/functions-json.html) instead, at
  // most 1 GB like any field (https://www.postgresql.org/docs/current/limits.html): one statement
  // of one parameter per chunk of rows, whatever the number of columns.
  it('binds the rows of a load as one JSON parameter, however many rows and columns', async () => {
    const wide: WarehouseTable = {
      name: 'realtime_wide',
      columns: [
        { name: 'device_id', type: 'string', nullable: false },
        ...Array.from({ length: 44 }, (_, index) => ({
          name: `metric_${index}`,
          type: 'double' as const,
          nullable: true,
        })),
      ],
      keyColumns: ['device_id'],
    };
    const many = Array.from({ length: 2000 }, (_, index) => ({
      device_id: `dev-${index}`,
      ...Object.fromEntries(
        Array.from({ length: 44 }, (_, metric) => [`metric_${metric}`, index + metric / 10]),
      ),
    }));
    const { client, log } = recordingClient();
    const warehouse = new PostgresWarehouse(client);
    await warehouse.ensureTable(wide);
    log.length = 0;
    await expect(warehouse.upsertRows({ table: wide, rows: many })).resolves.toEqual({
      table: 'realtime_wide',
      deleted: 0,
      inserted: 2000,
    });
    expect(log).toEqual([
      expect.objectContaining({
        sql: expect.stringMatching(/^INSERT INTO "realtime_wide" /),
        parameters: [JSON.stringify(many)],
      }),
    ]);

    // Past a chunk of rows, another statement of the same SQL.
    const more = Array.from({ length: ROWS_PER_LOAD_STATEMENT + 1 }, (_, index) => ({
      device_id: `dev-${index}`,
    }));
    log.length = 0;
    await warehouse.upsertRows({ table: wide, rows: more });
    expect(log.map(({ parameters }) => parameters)).toEqual([
      [JSON.stringify(more.slice(0, ROWS_PER_LOAD_STATEMENT))],
      [JSON.stringify(more.slice(ROWS_PER_LOAD_STATEMENT))],
    ]);
    expect(log[1]?.sql).toBe(log[0]?.sql);
  });

  it('locks one slice per table and scope values, whatever the order of the scope columns', async () => {
    const sliceLocks = async (...scopes: Record<string, string>[]) => {
      const { client, log } = recordingClient();
      const warehouse = new PostgresWarehouse(client);
      await warehouse.ensureTable(table);
      for (const scope of scopes)
        await warehouse.replaceRows({ table, scope, rows: rows.filter((row) => row.hour === scope.hour) });
      return log
        .filter(({ sql }) => sql.includes('pg_advisory_xact_lock'))
        .map(({ parameters }) => parameters[0]);
    };
    const [, tenFirst, tenAgain, eleven] = await sliceLocks(
      { dt: '2026-03-01', hour: '10' },
      { hour: '10', dt: '2026-03-01' },
      { dt: '2026-03-01', hour: '11' },
    );
    expect(tenAgain).toBe(tenFirst);
    expect(eleven).not.toBe(tenFirst);
  });

  it('derives advisory lock keys as signed 64-bit integers, the same in every container', () => {
    const key = advisoryLockKey('pipeline warehouse: ddl');
    expect(key).toMatch(/^-?\d+$/);
    expect(BigInt.asIntN(64, BigInt(key))).toBe(BigInt(key));
    expect(advisoryLockKey('pipeline warehouse: ddl')).toBe(key);
    expect(advisoryLockKey('pipeline warehouse: other')).not.toBe(key);
  });

  it('creates a table once per warehouse', async () => {
    const { client, log } = recordingClient();
    const warehouse = new PostgresWarehouse(client);
    await warehouse.replaceRows({ table, scope: { dt: '2026-03-01', hour: '10' }, rows });
    await warehouse.replaceRows({ table, scope: { dt: '2026-03-01', hour: '10' }, rows });
    expect(log.filter(({ sql }) => sql.startsWith('CREATE')).length).toBe(1);
  });

  it('upserts on the primary key', async () => {
    const { client, log } = recordingClient();
    await new PostgresWarehouse(client).upsertRows({ table, rows });
    expect(log.at(-1)?.sql).toMatch(
      /ON CONFLICT \("dt", "hour", "site"\) DO UPDATE SET "readings" = EXCLUDED\."readings"$/,
    );
  });

  it('rejects rows outside the scope, unknown columns and duplicate keys before touching the database', async () => {
    const { client, log } = recordingClient();
    const warehouse = new PostgresWarehouse(client);
    await expect(
      warehouse.replaceRows({ table, scope: { dt: '2026-03-01', hour: '11' }, rows }),
    ).rejects.toThrow(/outside the scope/);
    await expect(warehouse.upsertRows({ table, rows: [{ ...rows[0]!, extra: 1 }] })).rejects.toThrow(
      /unknown columns extra/,
    );
    await expect(warehouse.upsertRows({ table, rows: [rows[0]!, rows[0]!] })).rejects.toThrow(
      /appears twice/,
    );
    await expect(warehouse.replaceRows({ table, scope: { readings: 1 }, rows: [] })).rejects.toThrow(
      /not a key column/,
    );
    expect(log).toEqual([]);
  });

  // PostgreSQL's double precision stores Infinity, -Infinity and NaN without complaint
  // (https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-FLOAT), Redshift's
  // numeric types document no such values
  // (https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html), and JSON, which
  // carries rows to the dashboard and through the Data API, has none: a non-finite number is
  // refused at the load, naming the column, on every warehouse alike.
  it.each([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])(
    'refuses a row with %s before touching the database, naming the column',
    async (value) => {
      const { client, log } = recordingClient();
      const warehouse = new PostgresWarehouse(client);
      const bad = [rows[0]!, { ...rows[1]!, readings: value }];
      await expect(warehouse.upsertRows({ table, rows: bad })).rejects.toThrow(
        new WarehouseError(`report_site_hourly_summary: row 1 has readings = ${value}, not a finite number`),
      );
      await expect(
        warehouse.replaceRows({ table, scope: { dt: '2026-03-01', hour: '10' }, rows: bad }),
      ).rejects.toThrow(/row 1 has readings = .*, not a finite number/);
      expect(log).toEqual([]);
    },
  );

  it.each([
    ['40001', true],
    ['08006', true],
    ['ECONNREFUSED', true],
    ['57P01', true],
    ['42P01', false],
    ['23505', false],
  ])('classifies driver error code %s as transient=%s', async (code, transient) => {
    const { client, failNext } = recordingClient();
    const warehouse = new PostgresWarehouse(client);
    await warehouse.ensureTable(table);
    failNext(Object.assign(new Error(`failure ${code}`), { code }));
    const error = await warehouse.upsertRows({ table, rows }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(transient ? WarehouseUnavailableError : WarehouseError);
    expect((error as WarehouseError).transient).toBe(transient);
    expect((error as Error).message).toBe(`report_site_hourly_summary: failure ${code}`);
  });
});
