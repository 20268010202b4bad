import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  defaultPgliteTemplateDir,
  initialisePgliteDataDir,
  pgliteSqlClient,
} from '../../src/engines/pglite-warehouse';

describe('initialising a PGlite data directory from a template cluster', () => {
  let root: string;
  let templateDir: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'pglite-template-'));
    templateDir = path.join(root, 'cache', 'cluster');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('makes the template once, then copies it into every new data directory', async () => {
    await initialisePgliteDataDir(path.join(root, 'first'), templateDir);
    const made = (await stat(path.join(templateDir, 'PG_VERSION'))).mtimeMs;

    await initialisePgliteDataDir(path.join(root, 'second'), templateDir);

    expect((await stat(path.join(templateDir, 'PG_VERSION'))).mtimeMs).toBe(made);
    expect(existsSync(path.join(root, 'second', 'PG_VERSION'))).toBe(true);
    // Nothing half-made is left beside the template or the data directories.
    expect((await readdir(path.join(root, 'cache'))).sort()).toEqual(['cluster']);
    expect((await readdir(root)).sort()).toEqual(['cache', 'first', 'second']);
  }, 120_000);

  it('gives each data directory a cluster of its own: what one run writes is not in the next copy', async () => {
    const dataDir = path.join(root, 'own');
    await initialisePgliteDataDir(dataDir, templateDir);
    const db = await PGlite.create(dataDir);
    try {
      await db.exec('CREATE TABLE t (n int); INSERT INTO t VALUES (7)');
      expect((await db.query('SELECT n FROM t')).rows).toEqual([{ n: 7 }]);
    } finally {
      await db.close();
    }
    const laterDir = path.join(root, 'later');
    await initialisePgliteDataDir(laterDir, templateDir);
    const later = await PGlite.create(laterDir);
    try {
      expect((await later.query(`SELECT to_regclass('t') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      await later.close();
    }
  }, 120_000);

  it('leaves a data directory that already holds a cluster alone', async () => {
    const dataDir = path.join(root, 'first');
    await writeFile(path.join(dataDir, 'marker'), 'kept');
    await initialisePgliteDataDir(dataDir, path.join(root, 'no-template-needed'));
    expect(existsSync(path.join(dataDir, 'marker'))).toBe(true);
    expect(existsSync(path.join(root, 'no-template-needed'))).toBe(false);
  });

  it("keeps the default template in the installation's cache folder, one per PGlite version", () => {
    const nodeModules = path.resolve(__dirname, '..', '..', '..', 'node_modules');
    const manifest = path.join(nodeModules, '@electric-sql', 'pglite', 'package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    expect(defaultPgliteTemplateDir()).toBe(
      path.join(nodeModules, '.cache', 'pipeline-local', `pglite-${version}-cluster`),
    );
  });
});

describe('the PGlite SQL client', () => {
  it('prepares each parameterised statement once per database and runs it with literal values', async () => {
    const db = await PGlite.create();
    try {
      await db.exec('CREATE TABLE readings (id text PRIMARY KEY, note text, value double precision)');
      const clients = [pgliteSqlClient(db), pgliteSqlClient(db)];
      const upsert =
        'INSERT INTO readings SELECT * FROM json_to_recordset($1::json) AS r(id text, note text, value double precision) ' +
        'ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note, value = EXCLUDED.value';
      const notes = ["it's", 'back\\slash', 'naïve ☃', '', "'; DROP TABLE readings; --"];
      for (const [index, note] of notes.entries()) {
        const client = clients[index % 2]!;
        const rows = JSON.stringify([{ id: `r${index % 3}`, note, value: index / 3 }]);
        if (index % 2 === 0) expect((await client.query(upsert, [rows])).affectedRows).toBe(1);
        else await client.transaction((tx) => tx.query(upsert, [rows]));
      }
      const select = 'SELECT note, value FROM readings WHERE id = $1 AND value > $2';
      expect((await clients[0]!.query(select, ['r1', 0])).rows).toEqual([
        { note: "'; DROP TABLE readings; --", value: 4 / 3 },
      ]);
      expect((await clients[1]!.query(select, ['r2', null])).rows).toEqual([]);
      const prepared = await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      expect(prepared.rows).toHaveLength(2);
    } finally {
      await db.close();
    }
  });

  it('returns what a query with bound parameters returns: the same rows, types and affected rows', async () => {
    const db = await PGlite.create();
    try {
      await db.exec(
        'CREATE TABLE typed (id int PRIMARY KEY, amount numeric, at timestamptz, flag boolean, big bigint, ' +
          'ratio double precision, note text, doc jsonb)',
      );
      const client = pgliteSqlClient(db);
      const insert =
        'INSERT INTO typed SELECT g, $2::numeric, $3::timestamptz, $4::boolean, $5::bigint, $6, $7, $8::jsonb ' +
        'FROM generate_series(1, $1::int) AS g';
      const values = [
        3,
        '12.50',
        '2026-12-06T10:00:00.000Z',
        true,
        '9007199254740993',
        0.25,
        null,
        '{"a":[1]}',
      ];
      expect((await client.query(insert, values)).affectedRows).toBe(3);
      const select = 'SELECT * FROM typed WHERE id >= $1 ORDER BY id';
      expect((await client.query(select, [2])).rows).toEqual((await db.query(select, [2])).rows);
      const update = 'UPDATE typed SET flag = $1 WHERE id <= $2';
      expect((await client.query(update, [false, 2])).affectedRows).toBe(2);
      expect(
        (await client.transaction((tx) => tx.query('DELETE FROM typed WHERE id > $1', [0]))).affectedRows,
      ).toBe(3);
    } finally {
      await db.close();
    }
  });
});
