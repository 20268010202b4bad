import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REGISTRY_KEY } from '@pipeline/shared/registry';
import { TRANSFORM_QUARANTINE_PREFIX, type FirehoseTransformationResponse } from '@pipeline/shared';
import { invokeStageLocal } from '@pipeline/local/testing';
import { invokeLocal } from '@pipeline/shared/testing';
import { decodeData } from './events';

const serviceDir = join(__dirname, '..');

// The local stage reads the registry from the local cloud's ingest bucket folder, never from S3:
// the command runs offline, with no credentials, and cannot hang on a network call.
let localCloud: string;
beforeEach(async () => {
  localCloud = await mkdtemp(join(tmpdir(), 'ingest-transform-local-cloud-'));
});
afterEach(() => rm(localCloud, { recursive: true, force: true }));

// The README command: `sls invoke local --stage local -f transform -p events/<file>.json`.
const transform = (eventFile: string) =>
  invokeLocal<FirehoseTransformationResponse>(serviceDir, 'transform', eventFile, {
    stage: 'local',
    env: { LOCAL_ROOT: localCloud },
  });

// The same function on the same stage without osls's start-up (invokeStageLocal): for the tests
// about what the stage-local handler does with an event, once the command itself is shown to work.
const transformInProcess = async (eventFile: string) =>
  (
    await invokeStageLocal<FirehoseTransformationResponse>('ingest-transform', 'transform', eventFile, {
      env: { LOCAL_ROOT: localCloud },
    })
  ).response;

const okRecords = (response: FirehoseTransformationResponse) =>
  response.records.flatMap(({ result, data }) =>
    result === 'Ok' ? [decodeData(data) as Record<string, unknown>] : [],
  );

describe('sls invoke local --stage local (the README command)', () => {
  it('runs the transform offline on the sample Kinesis-source event, enriching from the local registry', async () => {
    const registryFile = join(localCloud, 'local-ingest', DEFAULT_REGISTRY_KEY);
    await mkdir(join(registryFile, '..'), { recursive: true });
    await copyFile(join(__dirname, 'fixtures', 'registry.jsonl'), registryFile);

    const response = await transform('events/firehose-kinesis-source.json');

    expect(response.records.map(({ result }) => result)).toEqual(['Ok', 'Ok', 'Ok', 'Ok', 'Dropped', 'Ok']);
    expect(
      okRecords(response).map(({ device_id, registered, site }) => [device_id, registered, site]),
    ).toEqual([
      ['dev-0001', true, 'plant-hamburg'],
      ['dev-0002', true, 'plant-lyon'],
      ['dev-0003', true, 'plant-lyon'],
      ['dev-0004', false, 'warehouse-porto'],
      ['dev-0101', true, 'plant-berlin'],
    ]);
  }, 60_000);
});

describe('the transform on stage local, configured as sls invoke local configures it', () => {
  it('still delivers every record, flagged registered=false, when there is no registry', async () => {
    const response = await transformInProcess('events/firehose-kinesis-source.json');

    expect(response.records.map(({ result }) => result)).toEqual(['Ok', 'Ok', 'Ok', 'Ok', 'Dropped', 'Ok']);
    expect(okRecords(response).every(({ registered }) => registered === false)).toBe(true);
  }, 60_000);

  it('runs the transform offline on the bad-records event without failing the batch, keeping the rejections in the local bucket folder', async () => {
    const results = (await transformInProcess('events/firehose-bad-records.json')).records.map(
      ({ result }) => result,
    );
    expect(results.filter((result) => result === 'ProcessingFailed')).toHaveLength(results.length - 1);
    // The transform's quarantine, as in the ingest bucket: errors/transform/dt=/hour=/*.ndjson.
    const folder = join(localCloud, 'local-ingest', TRANSFORM_QUARANTINE_PREFIX);
    const files = (await readdir(folder, { recursive: true })).filter((file) => file.endsWith('.ndjson'));
    const lines = (await Promise.all(files.map((file) => readFile(join(folder, file), 'utf8'))))
      .join('')
      .split('\n')
      .filter((line) => line !== '');
    expect(lines).toHaveLength(results.length - 1);
  }, 60_000);
});
