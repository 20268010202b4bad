import { ConfigurationError, registrySettingsFromEnvironment } from '../../src';

// The variables serverless.ts gives ingest-transform and analytics-sink (a deployed stage).
const env = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  STAGE: 'dev',
  REGISTRY_BUCKET: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
  REGISTRY_KEY: 'reference/devices/registry.jsonl',
  REGISTRY_REFRESH_SECONDS: '300',
  ...overrides,
});

describe('registrySettingsFromEnvironment', () => {
  it('reads where the registry object is and how often to re-check it', () => {
    expect(registrySettingsFromEnvironment(env())).toEqual({
      stage: 'dev',
      bucket: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
      key: 'reference/devices/registry.jsonl',
      refreshIntervalMs: 300_000,
    });
  });

  it('reads the local stage, whose bucket is a folder of the local cloud', () => {
    expect(
      registrySettingsFromEnvironment(env({ STAGE: 'local', REGISTRY_BUCKET: 'local-ingest' })),
    ).toMatchObject({ stage: 'local', bucket: 'local-ingest' });
  });

  it('reads no registry from an empty REGISTRY_KEY, whatever the bucket', () => {
    expect(registrySettingsFromEnvironment(env({ REGISTRY_KEY: '' }))).toBeUndefined();
    expect(registrySettingsFromEnvironment(env({ REGISTRY_KEY: '', REGISTRY_BUCKET: '' }))).toBeUndefined();
  });

  it('reads no registry from REGISTRY_BUCKET=none', () => {
    expect(registrySettingsFromEnvironment(env({ REGISTRY_BUCKET: 'none' }))).toBeUndefined();
  });

  it('refuses a key without a bucket', () => {
    const read = () => registrySettingsFromEnvironment(env({ REGISTRY_BUCKET: '' }));
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('REGISTRY_BUCKET: required when REGISTRY_KEY is set');
  });

  it('fails loudly on a missing stage or variable, or a refresh interval that is not a positive number', () => {
    for (const overrides of [
      { STAGE: undefined },
      { STAGE: '' },
      { REGISTRY_KEY: undefined },
      { REGISTRY_BUCKET: undefined },
      { REGISTRY_REFRESH_SECONDS: 'often' },
      { REGISTRY_REFRESH_SECONDS: '0' },
    ])
      expect(() => registrySettingsFromEnvironment(env(overrides))).toThrow(ConfigurationError);
  });
});
