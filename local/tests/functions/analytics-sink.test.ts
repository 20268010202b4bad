import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeviceRegistryEntrySchema, serialiseRegistry } from '@pipeline/shared';
import { ManualClock } from '../../src/aws/clock';
import { LOCAL_RESOURCES, LOCAL_STAGE } from '../../src/cloud/layout';
import { functionEnvironment, loadServiceConfig, stageParams } from '../../src/cloud/service-config';
import { localSinkRegistry } from '../../src/functions/analytics-sink';

describe("analytics-sink's device registry in the local cloud", () => {
  let root: string;
  let environment: NodeJS.ProcessEnv;
  const registryFile = () =>
    path.join(root, LOCAL_RESOURCES.ingestBucket, 'reference', 'devices', 'registry.jsonl');
  const writeRegistry = async (temperatureMax: number) => {
    await mkdir(path.dirname(registryFile()), { recursive: true });
    await writeFile(
      registryFile(),
      serialiseRegistry([
        DeviceRegistryEntrySchema.parse({
          device_id: 'dev-0020',
          site: 'plant-lyon',
          temperature_max: temperatureMax,
        }),
        DeviceRegistryEntrySchema.parse({ device_id: 'dev-0021', site: 'plant-lyon' }),
      ]),
    );
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'local-sink-registry-'));
    // The sink's environment as the local cloud resolves it from serverless.ts (stage local).
    const config = await loadServiceConfig('analytics-sink');
    environment = functionEnvironment(config, 'sink', {
      stage: LOCAL_STAGE,
      params: stageParams(config, LOCAL_STAGE),
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('names no bucket on the local stage, where `sls invoke local` has no S3', () => {
    expect(environment).toMatchObject({
      REGISTRY_BUCKET: 'none',
      REGISTRY_KEY: 'reference/devices/registry.jsonl',
      REGISTRY_REFRESH_SECONDS: '300',
    });
  });

  it('reads the registry from the local ingest bucket folder and refreshes it on the simulated clock', async () => {
    await writeRegistry(28);
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 5));
    const registry = localSinkRegistry(environment, root, new Logger({ logLevel: 'SILENT' }), clock)!;
    expect((await registry.current()).registry?.get('dev-0020')?.temperature_max).toBe(28);

    await writeRegistry(31);
    clock.advance(299_000);
    expect((await registry.current()).registry?.get('dev-0020')?.temperature_max).toBe(28);
    clock.advance(1_000);
    const refreshed = await registry.current();
    expect(refreshed.registry?.get('dev-0020')?.temperature_max).toBe(31);
    expect(refreshed.registry?.size).toBe(2);
  });

  it('has no copy, and says why, while the folder holds no registry', async () => {
    await rm(registryFile(), { force: true });
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 5));
    const snapshot = await localSinkRegistry(
      environment,
      root,
      new Logger({ logLevel: 'SILENT' }),
      clock,
    )!.current();
    expect(snapshot.registry).toBeUndefined();
    expect(snapshot.lastError).toMatch(/ENOENT/);
  });
});
