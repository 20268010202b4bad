import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { glueColumns, PARTITION_COLUMNS } from '@pipeline/shared';
import { registryGlueColumns } from '@pipeline/shared/registry';
import {
  PORTABLE_FUNCTIONS,
  TRINO_FUNCTIONS_WITH_DUCKDB_MACROS,
  QueryEngineError,
} from '@pipeline/report-runner';
import { DuckDbQueryEngine, FolderObjectStore } from '../../src/engines';

describe('the DuckDB query engine', () => {
  let root: string;
  let engine: DuckDbQueryEngine;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'duckdb-engine-'));
    engine = await DuckDbQueryEngine.create({ lakeDir: path.join(root, 'lake') });
  });

  afterAll(async () => {
    await engine?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers over an empty lake with the lake columns and no rows', async () => {
    const result = await engine.run({
      name: 'empty',
      sql: 'SELECT count(*) AS n, max(device_id) AS d FROM telemetry WHERE dt = ? AND hour = ?',
      parameters: ['2026-03-01', '10'],
    });
    expect(result.rows).toEqual([{ n: 0, d: null }]);
  });

  it('exposes the lake as a view whose columns and types come from the canonical record, plus dt and hour', async () => {
    const result = await engine.run({
      name: 'describe',
      sql: 'SELECT * FROM telemetry LIMIT 0',
      parameters: [],
    });
    const duckdbType = {
      string: 'varchar',
      double: 'double',
      int: 'integer',
      bigint: 'bigint',
      timestamp: 'timestamp',
      boolean: 'boolean',
    } as const;
    expect(result.columns).toEqual([
      ...glueColumns().map(({ Name, Type }) => ({ name: Name, type: duckdbType[Type] })),
      ...PARTITION_COLUMNS.map(({ name }) => ({ name, type: 'varchar' })),
    ]);
  });

  it('reads hive-partitioned Parquet, parameters substituted as quoted literals', async () => {
    const lake = path.join(root, 'lake', 'raw');
    await mkdir(lake, { recursive: true });
    await engine.db.run(
      `COPY (SELECT 'e' || i AS event_id, 'dev-' || (i % 3) AS device_id, TIMESTAMP '2026-03-01 10:00:00.250' + INTERVAL (i) MINUTE AS event_time,
              TIMESTAMP '2026-03-01 10:01:00' + INTERVAL (i) MINUTE AS ingest_time, 20.0 + i AS temperature,
              '2026-03-01' AS dt, CASE WHEN i < 5 THEN '10' ELSE '11' END AS hour FROM range(8) t(i))
       TO '${lake}' (FORMAT parquet, PARTITION_BY (dt, hour))`,
    );
    // Firehose names its objects without an extension.
    await mkdir(path.join(lake, 'dt=2026-03-01', 'hour=10'), { recursive: true });
    await engine.db.run(
      `COPY (SELECT 'late' AS event_id, 'dev-9' AS device_id, TIMESTAMP '2026-03-01 10:59:00' AS event_time, TIMESTAMP '2026-03-01 11:30:00' AS ingest_time)
       TO '${path.join(lake, 'dt=2026-03-01', 'hour=10', 'ingest-transform-local-lake-1-2026-03-01-11-30-00-5b1f')}' (FORMAT parquet)`,
    );
    const result = await engine.run({
      name: 'probe',
      sql: 'SELECT hour, count(*) AS n, min(event_time) AS first, to_unixtime(max(ingest_time)) - to_unixtime(max(event_time)) AS lag, CAST(max(dt) AS DATE) AS d FROM telemetry WHERE dt = ? AND hour = ? AND device_id <> ? GROUP BY hour ORDER BY hour',
      parameters: ['2026-03-01', '10', "x' OR '1'='1"],
    });
    // The quote in the last parameter is a value, not SQL.
    expect(result.rows).toEqual([
      { hour: '10', n: 6, first: '2026-03-01 10:00:00.250', lag: 1860, d: '2026-03-01' },
    ]);
    expect(result.columns.map(({ type }) => type)).toEqual([
      'varchar',
      'bigint',
      'timestamp',
      'double',
      'date',
    ]);
  });

  it('reads a column added to the schema as NULL in lake files written before it (schema evolution)', async () => {
    const lake = await mkdtemp(path.join(tmpdir(), 'duckdb-evolution-'));
    const evolving = await DuckDbQueryEngine.create({ lakeDir: lake });
    try {
      const hour = path.join(lake, 'raw', 'dt=2026-03-02', 'hour=10');
      await mkdir(hour, { recursive: true });
      // Written by a release whose schema had no battery column yet, then one after it was added.
      await evolving.db.run(
        `COPY (SELECT 'old' AS event_id, 'dev-1' AS device_id, TIMESTAMP '2026-03-02 10:00:00' AS event_time, TIMESTAMP '2026-03-02 10:00:05' AS ingest_time, 21.5 AS temperature)
         TO '${path.join(hour, 'ingest-transform-local-lake-1-2026-03-02-10-00-00-old')}' (FORMAT parquet)`,
      );
      await evolving.db.run(
        `COPY (SELECT 'new' AS event_id, 'dev-1' AS device_id, TIMESTAMP '2026-03-02 10:30:00' AS event_time, TIMESTAMP '2026-03-02 10:30:05' AS ingest_time, 22.0 AS temperature, 87.0 AS battery)
         TO '${path.join(hour, 'ingest-transform-local-lake-1-2026-03-02-10-30-00-new')}' (FORMAT parquet)`,
      );
      const result = await evolving.run({
        name: 'evolution',
        sql: 'SELECT event_id, temperature, battery FROM telemetry WHERE dt = ? AND hour = ? ORDER BY event_id',
        parameters: ['2026-03-02', '10'],
      });
      expect(result.rows).toEqual([
        { event_id: 'new', temperature: 22, battery: 87 },
        { event_id: 'old', temperature: 21.5, battery: null },
      ]);
    } finally {
      await evolving.close();
      await rm(lake, { recursive: true, force: true });
    }
  });

  it('has every function report SQL may use, the Trino ones through macros with Trino semantics', async () => {
    const names = [...PORTABLE_FUNCTIONS, ...TRINO_FUNCTIONS_WITH_DUCKDB_MACROS];
    const result = await engine.run({
      name: 'functions',
      sql: 'SELECT DISTINCT function_name AS name FROM duckdb_functions()',
      parameters: [],
    });
    // COALESCE is a special form in DuckDB, not listed among its functions.
    const available = new Set([...result.rows.map(({ name }) => name), 'coalesce']);
    expect(names.filter((name) => !available.has(name))).toEqual([]);
    const semantics = await engine.run({
      name: 'semantics',
      sql: "SELECT to_unixtime(TIMESTAMP '2026-03-01 10:00:00.250') AS seconds, from_unixtime(1772359200.25) AS ts, approx_distinct(x) AS distinct_x, coalesce(NULL, 1) AS c FROM (VALUES (1), (2), (2)) v(x)",
      parameters: [],
    });
    expect(semantics.rows).toEqual([
      { seconds: 1772359200.25, ts: '2026-03-01 10:00:00.250', distinct_x: 2, c: 1 },
    ]);
  });

  describe('the device registry table', () => {
    const registryDir = () => path.join(root, 'lake', 'reference', 'devices');
    const selectAll = () =>
      engine.run({
        name: 'registry',
        sql: 'SELECT * FROM device_registry ORDER BY device_id',
        parameters: [],
      });

    it('is an empty table with the registry columns while no registry file exists', async () => {
      const result = await selectAll();
      expect(result.rows).toEqual([]);
      expect(result.columns).toEqual(
        registryGlueColumns().map(({ Name, Type }) => ({
          name: Name,
          type: Type === 'double' ? 'double' : 'varchar',
        })),
      );
    });

    it('reads the JSON Lines objects of the folder with the declared columns, absent fields as NULL', async () => {
      await mkdir(registryDir(), { recursive: true });
      await writeFile(
        path.join(registryDir(), 'registry.jsonl'),
        [
          '{"device_id":"dev-2","site":"plant-b","model":"TH-300","owner":"ops","location":"Hall 2, \\"north\\" bay","install_date":"2026-01-15","temperature_min":null,"temperature_max":30,"humidity_min":null,"humidity_max":null,"pressure_min":null,"pressure_max":null,"battery_min":20,"battery_max":null}',
          '{"device_id":"dev-1","site":"plant-a"}',
          '',
        ].join('\n'),
      );
      // Athena skips objects whose names start with "_" or ".": so does the engine.
      await writeFile(path.join(registryDir(), '_upload.tmp'), 'not json');
      const result = await selectAll();
      expect(result.rows).toEqual([
        expect.objectContaining({ device_id: 'dev-1', site: 'plant-a', model: null, temperature_max: null }),
        expect.objectContaining({
          device_id: 'dev-2',
          location: 'Hall 2, "north" bay',
          install_date: '2026-01-15',
          temperature_max: 30,
          battery_min: 20,
        }),
      ]);
    });

    it('reads an empty registry file as an empty table', async () => {
      await writeFile(path.join(registryDir(), 'registry.jsonl'), '');
      expect((await selectAll()).rows).toEqual([]);
      await rm(registryDir(), { recursive: true, force: true });
    });
  });

  // Athena: "Currently, ? parameters can be placed only in the WHERE clause. Syntax like
  // SELECT ? FROM table is not supported." ("Use parameterized queries", Athena user guide,
  // https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html). DuckDB
  // binds a ? anywhere, so the engine refuses what Athena would, before running anything.
  it('refuses a ? parameter outside a WHERE clause, as Athena does, and runs one in a CTE or subquery WHERE', async () => {
    const refused = [
      [
        'SELECT CAST(? AS DATE) AS dt FROM telemetry WHERE hour = ?',
        'line 1:13: a ? parameter in the SELECT list',
      ],
      [
        'WITH bounds AS (SELECT CAST(? AS DOUBLE) AS low)\nSELECT count(*) AS n FROM telemetry, bounds WHERE temperature < low',
        'line 1:29: a ? parameter in the SELECT list',
      ],
      ['SELECT count(CASE WHEN temperature > ? THEN 1 END) AS n FROM telemetry', 'in the SELECT list'],
      ['SELECT device_id FROM telemetry GROUP BY device_id HAVING count(*) > ?', 'in the HAVING clause'],
      ['SELECT t.device_id FROM telemetry t JOIN telemetry u ON u.device_id = ?', 'in the JOIN condition'],
    ] as const;
    for (const [sql, where] of refused) {
      const failure = await engine
        .run({ name: 'misplaced', sql, parameters: sql.includes('WHERE hour') ? ['2026-03-01', '10'] : [1] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(QueryEngineError);
      expect((failure as QueryEngineError).transient).toBe(false);
      expect((failure as Error).message).toContain(where);
      expect((failure as Error).message).toContain('? parameters can be placed only in the WHERE clause');
    }
    const allowed = await engine.run({
      name: 'in-where',
      sql: `WITH hour_rows AS (SELECT * FROM telemetry WHERE dt = ? AND hour = ?)
        SELECT count(*) AS n FROM hour_rows WHERE device_id NOT IN (SELECT device_id FROM telemetry WHERE temperature > ?)`,
      parameters: ['2026-03-01', '10', 100],
    });
    expect(allowed.columns).toEqual([{ name: 'n', type: 'bigint' }]);
  });

  // Athena's ExecutionParameters are SQL literals that stand where the ? stood: "PREPARE my_select2
  // FROM SELECT * FROM ... WHERE year = ? EXECUTE my_select2 USING 2012 ... is equivalent to:
  // SELECT * FROM ... WHERE year = 2012" (https://docs.aws.amazon.com/athena/latest/ug/sql-execute.html).
  // So the engine plans with the values known (partition pruning sees them), and a number that has
  // no literal (NaN, Infinity) fails before the query runs, as the Athena adapter fails it.
  it('substitutes parameters as the literals Athena receives, refusing a number without one', async () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const failure = await engine
        .run({
          name: 'non-finite',
          sql: 'SELECT count(*) AS n FROM telemetry WHERE temperature < ?',
          parameters: [value],
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(QueryEngineError);
      expect((failure as QueryEngineError).transient).toBe(false);
      expect((failure as Error).message).toContain('not a finite number');
    }
    // A ? inside a string literal, a quoted identifier or a comment is no placeholder; a negative
    // number after a minus stays a number, not a comment.
    const result = await engine.run({
      name: 'literals',
      sql: `SELECT count(*) AS n FROM (SELECT 1 AS x) AS "w?" -- a ? here
        WHERE '?' = ? AND 1 -? = 3 AND 'it''s' = ?`,
      parameters: ['?', -2, "it's"],
    });
    expect(result.rows).toEqual([{ n: 1 }]);
    await expect(
      engine.run({
        name: 'count',
        sql: 'SELECT 1 AS x FROM telemetry WHERE dt = ? AND hour = ?',
        parameters: ['2026-03-01'],
      }),
    ).rejects.toMatchObject({
      name: 'QueryEngineError',
      transient: false,
      message: expect.stringContaining('2 ? placeholders for 1 parameter'),
    });
  });

  // Relations are views over the files of the moment: each query reads the objects that exist
  // when it runs, those that arrived since the last one included, and none that were removed.
  it('reads the lake and the quarantine as they are when each query runs', async () => {
    const lakeDir = await mkdtemp(path.join(tmpdir(), 'duckdb-current-'));
    const current = await DuckDbQueryEngine.create({ lakeDir });
    const hour = path.join(lakeDir, 'raw', 'dt=2026-03-02', 'hour=07');
    const errors = path.join(lakeDir, 'errors', 'transform', 'dt=2026-03-02', 'hour=07');
    const counts = async () =>
      (
        await current.run({
          name: 'counts',
          sql: `SELECT (SELECT count(*) FROM telemetry WHERE dt = ? AND hour = ?) AS readings,
            (SELECT count(*) FROM quarantine WHERE dt = ? AND hour = ?) AS rejected`,
          parameters: ['2026-03-02', '07', '2026-03-02', '07'],
        })
      ).rows[0];
    const rejection = (id: string) =>
      JSON.stringify({
        reason: 'invalid_json',
        device_id: null,
        received_at_ms: 1,
        payload: 'e30=',
        detail: 'x',
        record_id: id,
      });
    try {
      expect(await counts()).toEqual({ readings: 0, rejected: 0 });
      await mkdir(hour, { recursive: true });
      await mkdir(errors, { recursive: true });
      for (const name of ['a', 'b']) {
        await current.db.run(
          `COPY (SELECT '${name}' AS event_id, 'dev-1' AS device_id) TO '${path.join(hour, `object-${name}`)}' (FORMAT parquet)`,
        );
        await writeFile(path.join(errors, `object-${name}`), `${rejection(name)}\n`);
        expect(await counts()).toEqual({ readings: name === 'a' ? 1 : 2, rejected: name === 'a' ? 1 : 2 });
      }
      await rm(path.join(hour, 'object-a'));
      await rm(path.join(errors, 'object-b'));
      expect(await counts()).toEqual({ readings: 1, rejected: 1 });
    } finally {
      await current.close();
      await rm(lakeDir, { recursive: true, force: true });
    }
  });

  // The local cloud's report runs read while the simulation writes: each reads only the files
  // that existed when its invocation started (ObjectStore.snapshot), so a run is deterministic.
  it('reads only the files `visible` keeps: lake, quarantine and registry alike', async () => {
    const lakeDir = await mkdtemp(path.join(tmpdir(), 'duckdb-visible-'));
    const hidden = new Set<string>();
    const filtered = await DuckDbQueryEngine.create({ lakeDir, visible: (file) => !hidden.has(file) });
    const hour = path.join(lakeDir, 'raw', 'dt=2026-03-02', 'hour=07');
    const errors = path.join(lakeDir, 'errors', 'transform', 'dt=2026-03-02', 'hour=07');
    const registry = path.join(lakeDir, 'reference', 'devices');
    const counts = async () =>
      (
        await filtered.run({
          name: 'counts',
          sql: `SELECT (SELECT count(*) FROM telemetry WHERE dt = ? AND hour = ?) AS readings,
            (SELECT count(*) FROM quarantine WHERE dt = ? AND hour = ?) AS rejected,
            (SELECT count(*) FROM device_registry) AS devices`,
          parameters: ['2026-03-02', '07', '2026-03-02', '07'],
        })
      ).rows[0];
    try {
      await mkdir(hour, { recursive: true });
      await mkdir(errors, { recursive: true });
      await mkdir(registry, { recursive: true });
      for (const name of ['a', 'b']) {
        await filtered.db.run(
          `COPY (SELECT '${name}' AS event_id, 'dev-1' AS device_id) TO '${path.join(hour, `object-${name}`)}' (FORMAT parquet)`,
        );
        await writeFile(
          path.join(errors, `object-${name}`),
          `${JSON.stringify({ reason: 'invalid_json', received_at_ms: 1, payload: 'e30=', detail: 'x', record_id: name })}\n`,
        );
        await writeFile(path.join(registry, `devices-${name}.jsonl`), `{"device_id":"dev-${name}"}\n`);
      }
      expect(await counts()).toEqual({ readings: 2, rejected: 2, devices: 2 });
      for (const file of [
        path.join(hour, 'object-b'),
        path.join(errors, 'object-b'),
        path.join(registry, 'devices-b.jsonl'),
      ])
        hidden.add(file);
      expect(await counts()).toEqual({ readings: 1, rejected: 1, devices: 1 });
      hidden.add(path.join(hour, 'object-a'));
      expect(await counts()).toEqual({ readings: 0, rejected: 1, devices: 1 });
    } finally {
      await filtered.close();
      await rm(lakeDir, { recursive: true, force: true });
    }
  });

  it('fails with a non-transient engine error on bad SQL', async () => {
    await expect(
      engine.run({ name: 'bad', sql: 'SELECT nope FROM telemetry', parameters: [] }),
    ).rejects.toMatchObject({ name: 'QueryEngineError', transient: false });
  });
});

describe('the folder object store', () => {
  it('writes keys as files under the bucket folder, overwriting atomically, and refuses escaping keys', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'folder-store-'));
    const store = new FolderObjectStore(root);
    await store.put('reports/a/dt=2026-03-01/hour=10/part-00000.json', 'one\n', 'application/x-ndjson');
    await store.put('reports/a/dt=2026-03-01/hour=10/part-00000.json', 'two\n', 'application/x-ndjson');
    expect(await readFile(store.pathOf('reports/a/dt=2026-03-01/hour=10/part-00000.json'), 'utf8')).toBe(
      'two\n',
    );
    expect(store.uri('reports/x.json')).toBe(`file://${root}/reports/x.json`);
    await expect(store.put('../outside', 'x', 'text/plain')).rejects.toThrow(/escapes the bucket folder/);
    await rm(root, { recursive: true, force: true });
  });
});
