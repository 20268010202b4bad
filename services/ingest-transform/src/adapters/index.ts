// ingest-transform's AWS adapters (package.json `exports` "./adapters"): the local cloud injects them
// with its simulated clients.
export { S3TransformQuarantine } from './transform-quarantine';
