// `@pipeline/shared/registry`: the device registry. Its object format and Glue columns (schema),
// parsing and serialising, the per-container cache, record enrichment and the settings read from
// the environment. No SDK: the S3 source and the cache's deployed wiring are
// `@pipeline/shared/registry/adapters`.
export * from './schema';
export * from './parse';
export * from './cache';
export * from './enrich';
export * from './settings';
