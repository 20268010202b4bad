// `@pipeline/shared/warehouse`: the warehouse. Its port (load, look up, select), table definitions
// and the SQL they produce (Postgres and Redshift dialects), and its adapters (adapters/): the
// Redshift Data API and any Postgres through a connection URL.
export * from './table';
export * from './ddl';
export * from './port';
export * from './load';
export * from './postgres';
export * from './once-per-statement';
export * from './lookup';
export * from './select';
export * from './adapters/redshift-data-warehouse';
export * from './adapters/pg-warehouse';
export * from './adapters/pg-connection';
