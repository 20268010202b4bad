// The SDK-backed adapters (entry point `@pipeline/report-runner/adapters`), for tools that run the
// reports against a real account (the smoke test).
export { AthenaQueryEngine } from './athena-query-engine';
export { S3ObjectStore } from './s3-object-store';
// The books' stage sources over the SDK (CloudWatch, Athena, S3), for `npm run books`.
export { awsStageSources } from '../books';
