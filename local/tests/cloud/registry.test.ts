import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { WITHOUT_REGISTRY as SINK_WITHOUT_REGISTRY } from '@pipeline/analytics-sink';
import { WITHOUT_REGISTRY as TRANSFORM_WITHOUT_REGISTRY } from '@pipeline/ingest-transform';
import { DeviceRegistryEntrySchema, serialiseRegistry } from '@pipeline/shared/registry';
import { LOCAL_STAGE } from '@pipeline/shared/runtime';
import { ManualClock } from '../../src/aws/clock';
import { LOCAL_RESOURCES } from '../../src/cloud/layout';
import { localRegistry } from '../../src/cloud/registry';
import {
  functionEnvironment,
  loadServiceConfig,
  stageParams,
  type ServiceName,
} from '../../src/cloud/service-config';

// Both functions that read the registry, with their environment as the local cloud resolves it
// from serverless.ts (stage local): one helper, one folder, the same behaviour.
const FUNCTIONS: [ServiceName, string, string][] = [
  ['ingest-transform', 'transform', TRANSFORM_WITHOUT_REGISTRY],
  ['analytics-sink', 'sink', SINK_WITHOUT_REGISTRY],
];

describe.each(FUNCTIONS)("%s's device registry in the local cloud", (service, fn, withoutRegistry) => {
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
  const registryOf = (clock: ManualClock) =>
    localRegistry(environment, root, new Logger({ logLevel: 'SILENT' }), clock, withoutRegistry);

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), `local-${fn}-registry-`));
    const config = await loadServiceConfig(service);
    environment = functionEnvironment(config, fn, {
      stage: LOCAL_STAGE,
      params: stageParams(config, LOCAL_STAGE),
    });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("names the local cloud's ingest bucket folder on the local stage (also for `sls invoke local`)", () => {
    expect(environment).toMatchObject({
      STAGE: LOCAL_STAGE,
      REGISTRY_BUCKET: LOCAL_RESOURCES.ingestBucket,
      REGISTRY_KEY: 'reference/devices/registry.jsonl',
      REGISTRY_REFRESH_SECONDS: '300',
    });
  });

  it('reads the registry from the local ingest bucket folder and refreshes it on the simulated clock', async () => {
    await writeRegistry(28);
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 5));
    const registry = registryOf(clock)!;
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
    const snapshot = await registryOf(new ManualClock(Date.UTC(2026, 10, 25, 5)))!.current();
    expect(snapshot.registry).toBeUndefined();
    expect(snapshot.lastError).toMatch(/ENOENT/);
  });

  it('has no registry at all when the key is none (registry turned off)', () => {
    const off = localRegistry(
      { ...environment, REGISTRY_KEY: 'none' },
      root,
      new Logger({ logLevel: 'SILENT' }),
      new ManualClock(0),
      withoutRegistry,
    );
    expect(off).toBeUndefined();
  });
});
