// The SDK-backed adapters (entry point `@pipeline/msk-consumer/adapters`), which the local cloud
// injects with its simulated clients, and the PutRecords limits every hub writer must honour.
export { KinesisHubWriter } from './kinesis-hub-writer';
export { S3Quarantine } from './s3-quarantine';
export { chunkForPutRecords, PUT_RECORDS_LIMITS, type PutRecordsLimits } from './put-records-limits';
