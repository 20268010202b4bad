// `@pipeline/shared`: the contracts every service and the local cloud agree on. The telemetry
// schemas and the canonical lake record (telemetry/), and the AWS-facing contracts (contracts/: ARN
// shapes, the Firehose transformation event, the quarantine's layout, the custom metric names).
// No SDK and no runtime wiring: the Lambda runtime helpers are `@pipeline/shared/runtime`, the
// warehouse `@pipeline/shared/warehouse`, the device registry `@pipeline/shared/registry`.
export * from './telemetry/metrics';
export * from './telemetry/raw-reading';
export * from './telemetry/canonical-record';
export * from './telemetry/canonical-json';
export * from './telemetry/partition';
export * from './telemetry/event-id';
export * from './telemetry/rejection';
export * from './telemetry/decode';
export * from './telemetry/normalise';
export * from './telemetry/schema-contract';
export * from './contracts/arn';
export * from './contracts/firehose';
export * from './contracts/quarantine';
export * from './contracts/metric-names';
