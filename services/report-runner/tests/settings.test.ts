import { ConfigurationError } from '@pipeline/shared/runtime';
import { loadReports, stageReports } from '../src/reports';
import { settingsFromEnvironment } from '../src/settings';
import { runnerEnvironment } from './support/environment';

const base = runnerEnvironment;

describe('runner settings', () => {
  it('publishes the dashboard by default, with or without a warehouse to read, unless disabled', () => {
    const postgres = {
      ...base,
      WAREHOUSE: 'postgres',
      WAREHOUSE_URL: 'postgres://db/pipeline',
      STAGE: 'dev',
    };
    // Without a warehouse it reads the real-time tables of analytics-sink's Glue database.
    expect(settingsFromEnvironment(base)).toEqual(
      expect.objectContaining({ dashboard: true, realtimeDatabase: 'pipeline_dev' }),
    );
    expect(() => settingsFromEnvironment({ ...base, REALTIME_GLUE_DATABASE: undefined })).toThrow(
      /REALTIME_GLUE_DATABASE is required with WAREHOUSE=none/,
    );
    expect(() => settingsFromEnvironment({ ...base, REALTIME_GLUE_DATABASE: 'pipeline-dev' })).toThrow(
      /REALTIME_GLUE_DATABASE/,
    );
    expect(settingsFromEnvironment({ ...base, DASHBOARD: 'disabled' })).not.toHaveProperty(
      'realtimeDatabase',
    );
    expect(settingsFromEnvironment(postgres)).toEqual(
      expect.objectContaining({ dashboard: true, stage: 'dev' }),
    );
    expect(settingsFromEnvironment({ ...postgres, DASHBOARD: 'disabled' }).dashboard).toBe(false);
    expect(() => settingsFromEnvironment({ ...postgres, DASHBOARD: 'yes' })).toThrow(/DASHBOARD/);
  });

  it('runs the quarantine report only in a stage with msk-consumer, whose stack creates the quarantine view', () => {
    const names = (env: NodeJS.ProcessEnv) =>
      stageReports(loadReports(), settingsFromEnvironment(env)).map(({ name }) => name);
    expect(names(base)).toContain('quarantine_by_reason');
    const withoutMsk = names({ ...base, KAFKA_QUARANTINE_BUCKET_ARN: 'none' });
    expect(withoutMsk).not.toContain('quarantine_by_reason');
    expect(withoutMsk).toEqual(
      loadReports()
        .map(({ name }) => name)
        .filter((name) => name !== 'quarantine_by_reason'),
    );
  });

  it('reads the deployed environment', () => {
    const settings = settingsFromEnvironment(base);
    expect(settings.athena).toEqual({
      workGroup: 'report-runner-dev',
      database: 'pipeline_dev',
      table: 'telemetry',
      registryTable: 'device_registry',
      deadlineMs: 240_000,
    });
    expect(settings.report.thresholds.temperature).toEqual({ min: -20, max: 50 });
    expect(settings.warehouse).toEqual({ kind: 'none' });
  });

  it('configures Redshift Serverless or a cluster, treating "none" as not set', () => {
    expect(
      settingsFromEnvironment({
        ...base,
        WAREHOUSE: 'redshift-serverless',
        REDSHIFT_WORKGROUP: 'wg',
        REDSHIFT_COPY_ROLE_ARN: 'arn:aws:iam::1:role/copy',
      }).warehouse,
    ).toEqual({
      kind: 'redshift',
      target: { workgroupName: 'wg', database: 'dev' },
      copyRoleArn: 'arn:aws:iam::1:role/copy',
    });
    expect(
      settingsFromEnvironment({
        ...base,
        WAREHOUSE: 'redshift-cluster',
        REDSHIFT_CLUSTER: 'c1',
        REDSHIFT_DB_USER: 'loader',
        REDSHIFT_COPY_ROLE_ARN: 'arn:r',
      }).warehouse,
    ).toEqual({
      kind: 'redshift',
      target: { clusterIdentifier: 'c1', database: 'dev', dbUser: 'loader' },
      copyRoleArn: 'arn:r',
    });
  });

  it('reads the Postgres URL from a secret, and refuses a URL with a password outside the local stage', () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-warehouse-AbCdEf';
    const postgres = { ...base, WAREHOUSE: 'postgres', STAGE: 'prod' };
    expect(settingsFromEnvironment({ ...postgres, WAREHOUSE_URL_SECRET_ARN: secret }).warehouse).toEqual({
      kind: 'postgres',
      secretArn: secret,
    });
    const withPassword = { ...postgres, WAREHOUSE_URL: 'postgres://runner:s3cr3t@db.internal/pipeline' };
    expect(() => settingsFromEnvironment(withPassword)).toThrow(ConfigurationError);
    expect(() => settingsFromEnvironment(withPassword)).toThrow(/WAREHOUSE_URL carries a password/);
    expect(() => settingsFromEnvironment({ ...withPassword, WAREHOUSE_URL_SECRET_ARN: secret })).toThrow(
      /WAREHOUSE_URL carries a password/,
    );
  });

  it('fails loudly on a missing or contradictory value', () => {
    expect(() => settingsFromEnvironment({ ...base, WAREHOUSE: 'redshift-serverless' })).toThrow(
      /REDSHIFT_WORKGROUP is required/,
    );
    expect(() => settingsFromEnvironment({ ...base, WAREHOUSE: 'postgres' })).toThrow(
      /WAREHOUSE_URL is required/,
    );
    expect(() => settingsFromEnvironment({ ...base, ANOMALY_BATTERY_MIN: '100' })).toThrow(
      /ANOMALY_BATTERY_MIN must be below/,
    );
    expect(() => settingsFromEnvironment({ ...base, GLUE_TABLE: 'x; DROP' })).toThrow(ConfigurationError);
    expect(() => settingsFromEnvironment({ ...base, GLUE_REGISTRY_TABLE: 'x"; DROP' })).toThrow(
      ConfigurationError,
    );
    const { ANOMALY_PRESSURE_MAX: _dropped, ...withoutThreshold } = base;
    expect(() => settingsFromEnvironment(withoutThreshold)).toThrow(/ANOMALY_PRESSURE_MAX/);
  });
});
