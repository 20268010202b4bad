import { ConfigurationError } from '../../src/runtime';
import { registrySettingsFromEnvironment } from '../../src/registry';

// The variables serverless.ts gives ingest-transform and analytics-sink (a deployed stage).
const env = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  REGISTRY_BUCKET: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
  REGISTRY_KEY: 'reference/devices/registry.jsonl',
  REGISTRY_REFRESH_SECONDS: '300',
  ...overrides,
});

describe('registrySettingsFromEnvironment', () => {
  it('reads where the registry object is and how often to re-check it', () => {
    expect(registrySettingsFromEnvironment(env())).toEqual({
      bucket: 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f',
      key: 'reference/devices/registry.jsonl',
      refreshIntervalMs: 300_000,
    });
  });

  // `none` is the one spelling of "unset" of every deployment parameter: osls refuses `--param registryKey=`.
  it('reads no registry from REGISTRY_KEY=none, whatever the bucket', () => {
    expect(registrySettingsFromEnvironment(env({ REGISTRY_KEY: 'none' }))).toBeUndefined();
    expect(
      registrySettingsFromEnvironment(env({ REGISTRY_KEY: 'none', REGISTRY_BUCKET: '' })),
    ).toBeUndefined();
  });

  it('refuses an empty REGISTRY_KEY rather than guess whether it means none', () => {
    expect(() => registrySettingsFromEnvironment(env({ REGISTRY_KEY: '' }))).toThrow(
      'REGISTRY_KEY: empty; set it to none for no registry',
    );
  });

  it('reads no registry from REGISTRY_BUCKET=none', () => {
    expect(registrySettingsFromEnvironment(env({ REGISTRY_BUCKET: 'none' }))).toBeUndefined();
  });

  it('refuses a key without a bucket', () => {
    const read = () => registrySettingsFromEnvironment(env({ REGISTRY_BUCKET: '' }));
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('REGISTRY_BUCKET: required when REGISTRY_KEY is set');
  });

  it('fails loudly on a missing variable, or a refresh interval that is not a positive number', () => {
    for (const overrides of [
      { REGISTRY_KEY: undefined },
      { REGISTRY_BUCKET: undefined },
      { REGISTRY_REFRESH_SECONDS: 'often' },
      { REGISTRY_REFRESH_SECONDS: '0' },
    ])
      expect(() => registrySettingsFromEnvironment(env(overrides))).toThrow(ConfigurationError);
  });
});
