// The SDK-backed warehouse adapters, a separate entry point (`@pipeline/shared/warehouse`) so the
// main entry stays SDK-free.
export * from './redshift-data-warehouse';
export * from './pg-warehouse';
export * from './pg-connection';
