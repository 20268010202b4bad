import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CanonicalRecordSchema } from '@pipeline/shared';
import { invokeStageLocal } from '@pipeline/local/testing';
import { invokeLocal } from '@pipeline/shared/testing';
import type { BatchSummary } from '../src/domain/plan-batch';

const SERVICE_DIR = path.resolve(__dirname, '..');
const HUB_FILE = path.join('hub', 'ingest-transform-local-telemetry.ndjson');
const QUARANTINE_DIR = path.join(
  'msk-consumer-local-quarantine',
  'errors',
  'msk',
  'dt=2026-11-25',
  'hour=08',
);

let localCloud: string;
beforeEach(async () => {
  localCloud = await mkdtemp(path.join(tmpdir(), 'msk-consumer-local-cloud-'));
});
afterEach(() => rm(localCloud, { recursive: true, force: true }));

// The README command: `sls invoke local --stage local -f consumer -p events/<file>.json`.
const consume = (eventFile: string) =>
  invokeLocal<BatchSummary>(SERVICE_DIR, 'consumer', eventFile, {
    stage: 'local',
    env: { LOCAL_ROOT: localCloud },
  });

// The same function on the same stage without osls's start-up (invokeStageLocal): for the tests
// about what the stage-local handler does with an event, once the command itself is shown to work.
const consumeInProcess = async (eventFile: string) =>
  (
    await invokeStageLocal<BatchSummary>('msk-consumer', 'consumer', eventFile, {
      env: { LOCAL_ROOT: localCloud },
    })
  ).response;

const hubLines = async () =>
  (await readFile(path.join(localCloud, HUB_FILE), 'utf8'))
    .trimEnd()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as { partitionKey: string; data: string; approximateArrivalTimestamp: number },
    );

describe('sls invoke local --stage local', () => {
  it('forwards the sample telemetry into the local hub, offline', async () => {
    expect(await consume('events/msk-telemetry.json')).toEqual({
      received: 5,
      forwarded: 4,
      quarantined: {},
      skipped: {},
      dropped: { heartbeat: 1 },
    });

    const lines = await hubLines();
    expect(lines.map(({ partitionKey }) => partitionKey)).toEqual([
      'dev-0001',
      'dev-0001',
      'dev-0002',
      'dev-0003',
    ]);
    const records = lines.map(({ data }) =>
      CanonicalRecordSchema.parse(JSON.parse(Buffer.from(data, 'base64').toString('utf8'))),
    );
    expect(
      records.map(({ source, kafka_partition, kafka_offset }) => [source, kafka_partition, kafka_offset]),
    ).toEqual([
      ['msk', 0, 1042],
      ['msk', 0, 1043],
      ['msk', 1, 877],
      ['msk', 2, 5310],
    ]);
  }, 120_000);
});

describe('the consumer on stage local, configured as sls invoke local configures it', () => {
  it('quarantines the sample poison records into the local quarantine bucket folder', async () => {
    expect(await consumeInProcess('events/msk-poison.json')).toMatchObject({
      received: 8,
      forwarded: 1,
      skipped: { tombstone: 1, no_value: 1 },
    });

    expect((await readdir(path.join(localCloud, QUARANTINE_DIR))).sort()).toEqual([
      'telemetry-0-2002-2002.ndjson',
      'telemetry-1-901-903.ndjson',
      'telemetry-2-6002-6002.ndjson',
    ]);
    expect(await hubLines()).toHaveLength(1);
  }, 120_000);
});
