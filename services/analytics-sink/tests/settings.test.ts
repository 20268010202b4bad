import { ConfigurationError } from '@pipeline/shared/runtime';
import { settingsFromEnvironment } from '../src/settings';

const env = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  MAX_RECORD_BYTES: '65536',
  MAX_FUTURE_SKEW_SECONDS: '300',
  MAX_EVENT_AGE_HOURS: '168',
  MAX_STATE_BYTES: '800000',
  DEDUP_CAPACITY: '40000',
  ALERT_RULES: 'temperature>80,battery<15',
  ALERT_TARGET: 'arn:aws:sns:us-east-1:123456789012:analytics-sink-dev-alerts',
  WAREHOUSE: 'redshift-serverless',
  REDSHIFT_WORKGROUP: 'pipeline',
  REDSHIFT_DATABASE: 'dev',
  WAREHOUSE_DEADLINE_SECONDS: '90',
  STAGE: 'dev',
  REGISTRY_BUCKET: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
  REGISTRY_KEY: 'reference/devices/registry.jsonl',
  REGISTRY_REFRESH_SECONDS: '300',
  ...overrides,
});

describe('settingsFromEnvironment', () => {
  // `none` is the one spelling of "unset": osls refuses `--param alertRules=`.
  it('reads no alert rules from ALERT_RULES=none', () => {
    expect(settingsFromEnvironment(env({ ALERT_RULES: 'none' })).sink.rules).toEqual([]);
  });

  it('reads warehouse=none as the real-time bucket, and refuses it without one', () => {
    expect(
      settingsFromEnvironment(
        env({ WAREHOUSE: 'none', REALTIME_BUCKET: 'analytics-sink-dev-realtimebucket-1a2b' }),
      ).warehouse,
    ).toEqual({ kind: 'none', bucket: 'analytics-sink-dev-realtimebucket-1a2b' });
    expect(() => settingsFromEnvironment(env({ WAREHOUSE: 'none' }))).toThrow(
      'REALTIME_BUCKET is required with WAREHOUSE=none',
    );
  });

  it('reads the deployed configuration', () => {
    expect(settingsFromEnvironment(env())).toMatchObject({
      sink: {
        maxStateBytes: 800_000,
        dedupCapacity: 40_000,
        rules: [{ id: 'temperature_above_80' }, { id: 'battery_below_15' }],
      },
      warehouse: {
        kind: 'redshift-serverless',
        target: { workgroupName: 'pipeline', database: 'dev' },
        deadlineMs: 90_000,
      },
      alerts: { kind: 'sns', topicArn: 'arn:aws:sns:us-east-1:123456789012:analytics-sink-dev-alerts' },
      registry: {
        bucket: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
        key: 'reference/devices/registry.jsonl',
        refreshIntervalMs: 300_000,
      },
    });
  });

  it('reads no registry from REGISTRY_BUCKET=none, and refuses a refresh interval that is not a number', () => {
    expect(settingsFromEnvironment(env({ REGISTRY_BUCKET: 'none' })).registry).toBeUndefined();
    expect(() => settingsFromEnvironment(env({ REGISTRY_REFRESH_SECONDS: 'often' }))).toThrow(
      ConfigurationError,
    );
  });

  it('reads the local stage: Postgres by URL and alerts in the log', () => {
    expect(
      settingsFromEnvironment(
        env({ WAREHOUSE: 'postgres', WAREHOUSE_URL: 'postgres://localhost/db', ALERT_TARGET: 'log' }),
      ),
    ).toMatchObject({
      warehouse: { kind: 'postgres', url: 'postgres://localhost/db' },
      alerts: { kind: 'log' },
    });
  });

  it('reads the Postgres URL from a secret, and refuses a URL with a password outside the local stage', () => {
    const postgres = { WAREHOUSE: 'postgres', STAGE: 'prod' };
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-warehouse-AbCdEf';
    expect(
      settingsFromEnvironment(
        env({
          ...postgres,
          WAREHOUSE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
          WAREHOUSE_URL_SECRET_ARN: secret,
        }),
      ).warehouse,
    ).toEqual({ kind: 'postgres', secretArn: secret });
    const withPassword = env({ ...postgres, WAREHOUSE_URL: 'postgres://sink:s3cr3t@db.internal/pipeline' });
    expect(() => settingsFromEnvironment(withPassword)).toThrow(ConfigurationError);
    expect(() => settingsFromEnvironment(withPassword)).toThrow(/WAREHOUSE_URL carries a password/);
    expect(() => settingsFromEnvironment({ ...withPassword, STAGE: 'local' })).toThrow(ConfigurationError);
    // The local stage's entry (local/src/functions/analytics-sink.ts) opts in.
    expect(settingsFromEnvironment(withPassword, { passwordInUrl: 'allowed' }).warehouse).toEqual({
      kind: 'postgres',
      url: 'postgres://sink:s3cr3t@db.internal/pipeline',
    });
  });

  it.each([
    ['a state budget at Lambda’s limit', { MAX_STATE_BYTES: '1000000' }, 'MAX_STATE_BYTES'],
    ['an id memory that would crowd out the aggregates', { DEDUP_CAPACITY: '60000' }, 'DEDUP_CAPACITY'],
    ['a bad alert rule', { ALERT_RULES: 'temprature>80' }, 'ALERT_RULES'],
    ['an alert target that is not a topic', { ALERT_TARGET: 'topic' }, 'ALERT_TARGET'],
    ['Postgres without a URL', { WAREHOUSE: 'postgres' }, 'WAREHOUSE_URL'],
    ['Redshift without a workgroup', { REDSHIFT_WORKGROUP: undefined }, 'REDSHIFT_WORKGROUP'],
  ])('fails loudly on %s', (_name, overrides, variable) => {
    expect(() => settingsFromEnvironment(env(overrides))).toThrow(ConfigurationError);
    expect(() => settingsFromEnvironment(env(overrides))).toThrow(variable);
  });
});
