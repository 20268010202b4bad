export * from './duckdb-query-engine';
export * from './folder-object-store';
export * from './pglite-warehouse';
export * from './trino-compat';
export * from './duckdb-types';
