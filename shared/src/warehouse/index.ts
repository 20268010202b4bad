// `@pipeline/shared/warehouse`: the warehouse. Its port (load, look up, select), table definitions
// and the SQL they produce (Postgres and Redshift dialects). No SDK and no driver, so a stack
// definition and a pure domain may import it: the adapters (the Redshift Data API, any Postgres
// through a connection URL) are `@pipeline/shared/warehouse/adapters`.
export * from './table';
export * from './ddl';
export * from './port';
export * from './load';
export * from './postgres';
export * from './once-per-statement';
export * from './lookup';
export * from './select';
export * from './connection-url';
