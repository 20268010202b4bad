import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * The process grows by more than this while an instance is open: re-open it. A local run's report
 * queries and Parquet objects stay well under it; the 1M-event benchmark's partitions do not.
 */
export const DEFAULT_MAX_GROWTH_BYTES = 128 * 1024 * 1024;

export interface ReusedDuckDbOptions {
  /** DuckDB configuration of each instance (e.g. `{ threads: '1' }`). */
  config?: Record<string, string>;
  /** Statements run once on every instance this opens (macros). */
  setup?: readonly string[];
  /** How much the process may grow while one instance is open before it is re-opened. */
  maxGrowthBytes?: number;
  /** Resident set size of the process (tests inject it). */
  rss?: () => number;
  /** Opens an instance (tests count them). */
  open?: (config: Record<string, string> | undefined) => Promise<DuckDBInstance>;
}

interface OpenInstance {
  instance: Promise<DuckDBInstance>;
  rssAtOpen: number;
  users: number;
  /** Grown too much: closed once its last user is done; new work opens another. */
  retired: boolean;
  closed: boolean;
}

/**
 * One in-memory DuckDB instance shared by short jobs (a report query, a Parquet conversion), each
 * on a connection of its own that closes when the job ends, taking the job's TEMP objects with it.
 * Opening an instance costs tens of milliseconds (it builds the catalog of built-in functions), and
 * closing one as much again: with one per job that was most of a local run. DuckDB keeps the memory
 * a job used until its instance closes, so the instance is re-opened once the process has grown by
 * `maxGrowthBytes` since it opened: memory stays bounded as before, the cost is paid rarely.
 */
export class ReusedDuckDb {
  #current: OpenInstance | undefined;
  readonly #maxGrowthBytes: number;
  readonly #rss: () => number;
  readonly #open: (config: Record<string, string> | undefined) => Promise<DuckDBInstance>;

  constructor(private readonly options: ReusedDuckDbOptions = {}) {
    this.#maxGrowthBytes = options.maxGrowthBytes ?? DEFAULT_MAX_GROWTH_BYTES;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
    this.#open = options.open ?? ((config) => DuckDBInstance.create(':memory:', config));
  }

  /**
   * Runs `work` on a fresh connection of the shared instance, opening one when needed. `work` also
   * gets the instance, to tell what an earlier job left in it from a fresh one.
   */
  async use<T>(work: (connection: DuckDBConnection, instance: DuckDBInstance) => Promise<T>): Promise<T> {
    const current = this.#current && !this.#current.retired ? this.#current : this.#openInstance();
    current.users += 1;
    try {
      const instance = await current.instance;
      const connection = await instance.connect();
      try {
        return await work(connection, instance);
      } finally {
        connection.closeSync();
      }
    } finally {
      current.users -= 1;
      if (!current.retired && this.#rss() - current.rssAtOpen > this.#maxGrowthBytes) current.retired = true;
      if (current.retired && current.users === 0) await closeInstance(current);
    }
  }

  /** Closes the instance (jobs still running keep theirs until they end). */
  async close(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    if (!current) return;
    current.retired = true;
    if (current.users === 0) await closeInstance(current);
  }

  #openInstance(): OpenInstance {
    const instance = this.#open(this.options.config).then(async (opened) => {
      const connection = await opened.connect();
      try {
        for (const statement of this.options.setup ?? []) await connection.run(statement);
      } finally {
        connection.closeSync();
      }
      return opened;
    });
    const current: OpenInstance = {
      instance,
      rssAtOpen: this.#rss(),
      users: 0,
      retired: false,
      closed: false,
    };
    this.#current = current;
    // A failed open is not kept: the next job tries again.
    instance.catch(() => {
      if (this.#current === current) this.#current = undefined;
    });
    return current;
  }
}

const closeInstance = async (current: OpenInstance): Promise<void> => {
  if (current.closed) return;
  current.closed = true;
  const instance = await current.instance.catch(() => undefined);
  instance?.closeSync();
};
