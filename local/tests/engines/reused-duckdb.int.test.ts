import { DuckDBInstance } from '@duckdb/node-api';
import { ReusedDuckDb } from '../../src/engines/reused-duckdb';

const MB = 1024 * 1024;

/** A ReusedDuckDb over real instances, counting the instances it opens and closes. */
const reused = (options: { maxGrowthBytes?: number; setup?: string[] } = {}) => {
  let rss = 100 * MB;
  const opened: DuckDBInstance[] = [];
  const closed: DuckDBInstance[] = [];
  const duckdb = new ReusedDuckDb({
    ...options,
    rss: () => rss,
    open: async (config) => {
      const instance = await DuckDBInstance.create(':memory:', config);
      const closeSync = instance.closeSync.bind(instance);
      instance.closeSync = () => {
        closed.push(instance);
        closeSync();
      };
      opened.push(instance);
      return instance;
    },
  });
  return { duckdb, opened, closed, grow: (bytes: number) => (rss += bytes) };
};

const one = async (duckdb: ReusedDuckDb, sql: string): Promise<unknown> =>
  duckdb.use(async (connection) => (await connection.runAndReadAll(sql)).getRowObjectsJS()[0]);

describe('a DuckDB instance reused across jobs', () => {
  it('opens one instance for successive jobs and runs the setup statements on it once', async () => {
    const { duckdb, opened } = reused({ setup: ['CREATE MACRO twice(x) AS x * 2'] });
    try {
      expect(await one(duckdb, 'SELECT twice(21) AS n')).toEqual({ n: 42 });
      expect(await one(duckdb, 'SELECT twice(2) AS n')).toEqual({ n: 4 });
      expect(opened).toHaveLength(1);
    } finally {
      await duckdb.close();
    }
  });

  it("gives each job a connection of its own: a job's TEMP objects are gone for the next", async () => {
    const { duckdb } = reused();
    try {
      await duckdb.use(async (connection) => {
        await connection.run('CREATE TEMP TABLE device_registry AS SELECT 1 AS n WHERE false');
      });
      // The same name as a view, as the query engine creates it when the folder has files.
      expect(
        await duckdb.use(async (connection) => {
          await connection.run('CREATE OR REPLACE TEMP VIEW device_registry AS SELECT 7 AS n');
          return (await connection.runAndReadAll('SELECT n FROM device_registry')).getRowObjectsJS();
        }),
      ).toEqual([{ n: 7 }]);
      await expect(one(duckdb, 'SELECT n FROM device_registry')).rejects.toThrow(/device_registry/);
    } finally {
      await duckdb.close();
    }
  });

  it('re-opens the instance once the process has grown by more than the limit while it was open', async () => {
    const { duckdb, opened, closed, grow } = reused({ maxGrowthBytes: 64 * MB });
    try {
      await one(duckdb, 'SELECT 1 AS n');
      grow(64 * MB);
      await one(duckdb, 'SELECT 1 AS n');
      expect(opened).toHaveLength(1);
      grow(1);
      await one(duckdb, 'SELECT 1 AS n');
      // The job that saw the growth closed the instance it used; the next one opens another.
      expect(closed).toEqual([opened[0]]);
      expect(await one(duckdb, 'SELECT 2 AS n')).toEqual({ n: 2 });
      expect(opened).toHaveLength(2);
      // Each job is told its instance: what an earlier job left in it is gone with a new one.
      expect(await duckdb.use(async (_connection, instance) => instance)).toBe(opened[1]);
    } finally {
      await duckdb.close();
    }
    expect(closed).toEqual(opened);
  });

  it('closes a grown instance only when the last job on it has ended', async () => {
    const { duckdb, opened, closed, grow } = reused({ maxGrowthBytes: 0 });
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const long = duckdb.use(async (connection) => {
        await held;
        return (await connection.runAndReadAll('SELECT 3 AS n')).getRowObjectsJS();
      });
      grow(1);
      // Sees the growth and retires the instance while `long` still runs on it.
      expect(await one(duckdb, 'SELECT 1 AS n')).toEqual({ n: 1 });
      expect(closed).toEqual([]);
      release();
      expect(await long).toEqual([{ n: 3 }]);
      expect(closed).toEqual([opened[0]]);
    } finally {
      await duckdb.close();
    }
  });

  it('tries again on the next job when opening an instance fails', async () => {
    let attempts = 0;
    const duckdb = new ReusedDuckDb({
      open: async (config) => {
        attempts += 1;
        if (attempts === 1) throw new Error('cannot open');
        return DuckDBInstance.create(':memory:', config);
      },
    });
    try {
      await expect(one(duckdb, 'SELECT 1 AS n')).rejects.toThrow('cannot open');
      expect(await one(duckdb, 'SELECT 1 AS n')).toEqual({ n: 1 });
    } finally {
      await duckdb.close();
    }
  });
});
