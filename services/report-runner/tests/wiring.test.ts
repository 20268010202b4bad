import { createRunnerDependencies } from '../src/wiring';

const env: NodeJS.ProcessEnv = {
  AWS_REGION: 'eu-west-1',
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
  REALTIME_GLUE_DATABASE: 'pipeline_dev',
  STAGE: 'dev',
};

describe('the AWS wiring of the dashboard', () => {
  it('publishes it on a stage without a warehouse, from the report outputs and the real-time tables', () => {
    const { dashboard, runner } = createRunnerDependencies(env);
    expect(runner.warehouse).toBeUndefined();
    expect(dashboard).toMatchObject({
      environment: 'dev',
      source: { readFrom: 'the report outputs and the real-time tables' },
    });
    expect(dashboard?.warehouse).toBeUndefined();
  });

  it('publishes none when disabled', () => {
    expect(createRunnerDependencies({ ...env, DASHBOARD: 'disabled' }).dashboard).toBeUndefined();
  });
});
