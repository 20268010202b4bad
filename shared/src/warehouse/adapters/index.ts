// `@pipeline/shared/warehouse/adapters`: the warehouse port on AWS and Postgres. The Redshift Data
// API, and any Postgres through a connection URL or a Secrets Manager secret holding one.
export * from './redshift-data-warehouse';
export * from './pg-warehouse';
export * from './pg-connection';
