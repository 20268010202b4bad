// `@pipeline/shared/registry`: the device registry. Its object format and Glue columns (schema),
// parsing and serialising, the per-container cache, record enrichment, the settings read from the
// environment, and the S3 source with the cache's deployed wiring (adapters/).
export * from './schema';
export * from './parse';
export * from './cache';
export * from './enrich';
export * from './settings';
export * from './adapters/registry-source';
export * from './adapters/registry-cache';
