/**
 * The runner's environment as its serverless.ts sets it on stage `dev` without a warehouse, with
 * every optional value at the deployed "not set" (`none`): a test spreads it and changes only the
 * variables it is about.
 */
export const runnerEnvironment: Readonly<NodeJS.ProcessEnv> = Object.freeze({
  AWS_REGION: 'eu-west-1',
  STAGE: 'dev',
  REPORTS_BUCKET: 'reports-bucket',
  INGEST_BUCKET: 'ingest-bucket',
  ATHENA_WORKGROUP: 'report-runner-dev',
  GLUE_DATABASE: 'pipeline_dev',
  GLUE_TABLE: 'telemetry',
  GLUE_REGISTRY_TABLE: 'device_registry',
  QUERY_DEADLINE_SECONDS: '240',
  LATE_AFTER_SECONDS: '900',
  PARTITION_CONCURRENCY: '2',
  REPORT_CONCURRENCY: '4',
  RERUN_DAYS_BACK: '1',
  KAFKA_QUARANTINE_BUCKET_ARN: 'arn:aws:s3:::msk-consumer-test-quarantine',
  ANOMALY_TEMPERATURE_MIN: '-20',
  ANOMALY_TEMPERATURE_MAX: '50',
  ANOMALY_HUMIDITY_MIN: '5',
  ANOMALY_HUMIDITY_MAX: '95',
  ANOMALY_PRESSURE_MIN: '950',
  ANOMALY_PRESSURE_MAX: '1050',
  ANOMALY_BATTERY_MIN: '15',
  ANOMALY_BATTERY_MAX: '100',
  WAREHOUSE: 'none',
  REDSHIFT_WORKGROUP: 'none',
  REDSHIFT_DATABASE: 'dev',
  REDSHIFT_CLUSTER: 'none',
  REDSHIFT_DB_USER: 'none',
  REDSHIFT_SECRET_ARN: 'none',
  REDSHIFT_COPY_ROLE_ARN: 'none',
  WAREHOUSE_URL: 'none',
  REALTIME_GLUE_DATABASE: 'pipeline_dev',
});
