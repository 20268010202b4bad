import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_REGISTRY_KEY, parseRegistry } from '@pipeline/shared/registry';
import { main } from '../../src/registry/cli';
import { fleetRegistry } from '../../src/simulators/registry';
import { DeviceFleet } from '../../src/simulators/DeviceFleet';

const CSV = [
  'device_id,site,model,owner,location,install_date,temperature_max',
  'dev-0001,plant-berlin,TH-200,facilities,"Hall 3, north wall",2024-05-17,30',
  'dev-0002,plant-lyon,,,,,',
].join('\r\n');

const s3 = mockClient(S3Client);
let dir: string;
let printed: string[];
const run = (...argv: string[]) =>
  main(
    argv,
    (line) => void printed.push(line),
    () => new S3Client({ region: 'eu-west-1' }),
  );

beforeEach(async () => {
  s3.reset();
  printed = [];
  dir = await mkdtemp(path.join(tmpdir(), 'registry-cli-'));
  await writeFile(path.join(dir, 'devices.csv'), CSV);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('npm run registry', () => {
  it('validates a CSV file and counts its devices', async () => {
    expect(await run('validate', path.join(dir, 'devices.csv'))).toBe(0);
    expect(printed).toEqual([`${path.join(dir, 'devices.csv')}: valid, 2 devices`]);
  });

  it('refuses a file with a bad line, naming it, and uploads nothing', async () => {
    await writeFile(path.join(dir, 'bad.csv'), `${CSV}\r\ndev-0003,plant lyon,,,,,\r\n`);
    expect(await run('upload', path.join(dir, 'bad.csv'), '--bucket', 'ingest')).toBe(1);
    expect(printed[1]).toMatch(/^ {2}line 4: site: /);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('uploads a CSV file to S3 as JSON Lines under the registry key', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"' });
    expect(await run('upload', path.join(dir, 'devices.csv'), '--bucket', 'pipeline-dev-ingest')).toBe(0);
    const [call] = s3.commandCalls(PutObjectCommand);
    expect(call?.args[0].input).toMatchObject({
      Bucket: 'pipeline-dev-ingest',
      Key: DEFAULT_REGISTRY_KEY,
      ContentType: 'application/x-ndjson',
    });
    const stored = parseRegistry(String(call?.args[0].input.Body), 'jsonl');
    expect(stored.get('dev-0001')).toMatchObject({ location: 'Hall 3, north wall', temperature_max: 30 });
    expect(printed).toEqual([
      `2 devices uploaded to s3://pipeline-dev-ingest/${DEFAULT_REGISTRY_KEY} (ETag "abc")`,
    ]);
  });

  it.each([
    ['a CSV key (the body is JSON Lines)', 'reference/devices/registry.csv'],
    ['a key outside the registry prefix', 'registry.jsonl'],
    ['a key in a sub-folder of the prefix', 'reference/devices/old/registry.jsonl'],
  ])('refuses %s and uploads nothing', async (_case, key) => {
    const file = path.join(dir, 'devices.csv');
    await expect(run('upload', file, '--bucket', 'ingest', '--key', key)).rejects.toThrow(
      'must be a .jsonl object directly under reference/devices/',
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('writes into the local cloud bucket folder with --target local', async () => {
    const root = path.join(dir, 'local');
    expect(await run('upload', path.join(dir, 'devices.csv'), '--target', 'local', '--root', root)).toBe(0);
    const file = path.join(root, 'local-ingest', DEFAULT_REGISTRY_KEY);
    expect(parseRegistry(await readFile(file, 'utf8'), 'jsonl').size).toBe(2);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('fleetRegistry', () => {
  const fleet = () =>
    new DeviceFleet({
      seed: 'registry',
      devices: 200,
      rate: 1,
      startMs: Date.UTC(2026, 2, 1),
      kafkaShare: 0.3,
      badShare: 0,
      duplicateShare: 0,
      lateShare: 0,
      heartbeatShare: 0,
    });

  it('registers about 95% of the fleet with valid entries on the devices’ own sites, deterministically', () => {
    const devices = fleet().devices;
    const registry = fleetRegistry(devices, 'seed-1');
    expect(registry.unregistered).toHaveLength(10);
    expect(registry.entries).toHaveLength(190);
    const parsed = parseRegistry(registry.entries.map((entry) => JSON.stringify(entry)).join('\n'), 'jsonl');
    expect([...parsed.values()]).toEqual(registry.entries);
    for (const entry of registry.entries) {
      expect(entry.site).toBe(devices.find(({ id }) => id === entry.device_id)?.site.name);
      expect(entry).toMatchObject({
        model: expect.any(String),
        owner: expect.any(String),
        install_date: expect.any(String),
      });
    }
    expect(registry.entries.some((entry) => entry.temperature_max !== null)).toBe(true);
    expect(fleetRegistry(devices, 'seed-1')).toEqual(registry);
    expect(fleetRegistry(devices, 'seed-2').unregistered).not.toEqual(registry.unregistered);
  });

  it('leaves at least one device of a small fleet out, none of a single device', () => {
    const devices = fleet().devices;
    expect(fleetRegistry(devices.slice(0, 3), 's').unregistered).toHaveLength(1);
    expect(fleetRegistry(devices.slice(0, 1), 's').unregistered).toEqual([]);
  });
});
