// `@pipeline/shared/registry/adapters`: the registry read from S3, and the cache's deployed wiring.
export * from './registry-source';
export * from './registry-cache';
