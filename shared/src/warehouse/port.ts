import type { WarehouseRow, WarehouseTable, WarehouseValue } from './table';

/**
 * Rows already written to object storage, listed in a Redshift COPY manifest (newline-delimited
 * JSON objects whose keys are the column names). Adapters that can bulk-load from S3 (Redshift)
 * load these; the others insert {@link ReplaceRowsRequest.rows}. Both must describe the same rows.
 */
export interface StagedRows {
  /** `s3://bucket/key` of a COPY manifest with `"mandatory": true` entries. */
  manifestUrl: string;
  format: 'ndjson';
}

/** The outcome of a load: rows removed and rows written by this call. */
export interface LoadResult {
  table: string;
  deleted: number;
  inserted: number;
}

/**
 * Replace every row of `table` whose `scope` columns equal the given values with `rows`.
 *
 * This is the idempotent load of a batch job's output: loading the same slice twice leaves the
 * table exactly as one load does, and a smaller second result (rows that disappeared) removes the
 * stale rows. Used by report-runner with scope `{ dt, hour }`.
 */
export interface ReplaceRowsRequest {
  table: WarehouseTable;
  /** Column values that define the slice. Every row must carry the same values. */
  scope: Readonly<Record<string, Exclude<WarehouseValue, null>>>;
  rows: readonly WarehouseRow[];
  staged?: StagedRows;
}

/**
 * Insert `rows`, replacing any existing row with the same key (`table.keyColumns`).
 *
 * The idempotent load of a stream consumer: a replayed batch rewrites the same rows. Used by
 * analytics-sink for `realtime_device_window` rows keyed by device and window start. Rows must be
 * unique by key within one request.
 */
export interface UpsertRowsRequest {
  table: WarehouseTable;
  rows: readonly WarehouseRow[];
  staged?: StagedRows;
}

/**
 * A SQL warehouse, loaded idempotently. Three adapters implement it: Redshift through the Data API
 * and any Postgres through a connection URL (both from `@pipeline/shared/warehouse`), and PGlite
 * embedded in the local cloud (`@pipeline/local`).
 *
 * Every load is one transaction: readers never see a half-replaced slice. Failures that are worth
 * retrying (throttling, a warehouse that is resuming or unreachable, serialization conflicts)
 * are raised as {@link WarehouseUnavailableError}; everything else as {@link WarehouseError}.
 */
export interface Warehouse {
  /** Creates the table if it does not exist (adapters remember tables they already ensured). */
  ensureTable(table: WarehouseTable): Promise<void>;
  /** See {@link ReplaceRowsRequest}. Creates the table first if needed. */
  replaceRows(request: ReplaceRowsRequest): Promise<LoadResult>;
  /** See {@link UpsertRowsRequest}. Creates the table first if needed. */
  upsertRows(request: UpsertRowsRequest): Promise<LoadResult>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** A warehouse operation failed for a reason retrying will not fix (bad SQL, bad data, access). */
export class WarehouseError extends Error {
  override name = 'WarehouseError';
  readonly transient: boolean = false;
}

/** The warehouse could not take the load now (throttled, resuming, unreachable, conflict): retry later. */
export class WarehouseUnavailableError extends WarehouseError {
  override name = 'WarehouseUnavailableError';
  override readonly transient = true;
}
