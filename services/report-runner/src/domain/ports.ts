import type { WarehouseValue } from '@pipeline/shared/warehouse';

/** A positional query parameter, bound to a `?` placeholder by the engine (never concatenated). */
export type QueryParameter = string | number;

export interface QueryRequest {
  /** A label for logs and query tags: the report name. */
  name: string;
  sql: string;
  parameters: readonly QueryParameter[];
}

/** A result column: its name and the engine's type name (lower case, e.g. `bigint`, `varchar`). */
export interface QueryColumn {
  name: string;
  type: string;
}

/**
 * Rows are plain JSON values: dates as `YYYY-MM-DD`, timestamps as UTC `YYYY-MM-DD HH:MM:SS.sss`,
 * integers and decimals as numbers. Adapters normalise their engine's values to this.
 */
export type ResultRow = Record<string, WarehouseValue>;

export interface QueryResult {
  engine: string;
  queryId: string;
  columns: QueryColumn[];
  rows: ResultRow[];
  bytesScanned: number;
  engineMillis: number;
}

/**
 * Runs one report query over the lake: Athena in AWS, DuckDB over a local folder. The SQL refers
 * to the lake as a relation the engine knows (the Glue table, or a DuckDB view) and carries `?`
 * placeholders for `parameters`.
 */
export interface QueryEngine {
  run(request: QueryRequest): Promise<QueryResult>;
}

/** Object metadata a put may set (S3 `Cache-Control`); stores without it ignore it. */
export interface PutOptions {
  cacheControl?: string;
}

/** Where report outputs go: the reports bucket in AWS, a folder locally. Puts overwrite. */
export interface ObjectStore {
  put(key: string, body: string, contentType: string, options?: PutOptions): Promise<void>;
  /** The address of a key as a warehouse's bulk loader reads it (`s3://bucket/key`, `file://...`). */
  uri(key: string): string;
}

/**
 * Reads the reports bucket back (the dashboard of a stage without a warehouse reads report outputs
 * from it): S3 ListObjectsV2 and GetObject in AWS, a folder locally.
 */
export interface ObjectReader {
  /**
   * Keys under `prefix`, ascending (S3 lists keys in UTF-8 binary order), from the first key after
   * `startAfter` when given; at most `limit` keys when given.
   */
  list(prefix: string, startAfter?: string, limit?: number): Promise<string[]>;
  /** The object's body as text, or `undefined` when there is no such key. */
  get(key: string): Promise<string | undefined>;
}
