import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NOW } from '../../../services/msk-consumer/tests/support/events';
import { planOf } from '../../../services/msk-consumer/tests/support/plans';
import { LocalHubWriter, LocalQuarantine } from '../../src/engines/msk-consumer-files';

describe("msk-consumer's ports on the local stage", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'msk-consumer-local-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('appends hub records to hub/<stream>.ndjson as partition key, base64 data and arrival time', async () => {
    const hub = new LocalHubWriter({ dir, streamName: 'ingest-transform-local-telemetry', now: () => NOW });
    const { forward } = planOf('msk-telemetry');

    await hub.put(forward);
    await hub.put(forward.slice(0, 1));

    const lines = (await readFile(path.join(dir, 'hub', 'ingest-transform-local-telemetry.ndjson'), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toEqual({
      partitionKey: 'dev-0001',
      data: Buffer.from(forward[0]!.data).toString('base64'),
      approximateArrivalTimestamp: NOW,
    });
  });

  it('refuses a record Kinesis would refuse', async () => {
    const hub = new LocalHubWriter({ dir, streamName: 's' });
    const tooBig = {
      partitionKey: 'dev-0001',
      data: Buffer.alloc(1024 * 1024),
      source: { topic: 't', partition: 0, offset: 0 },
    };

    await expect(hub.put([tooBig])).rejects.toThrow(RangeError);
  });

  it('writes quarantine objects under <bucket>/ with the S3 keys', async () => {
    await new LocalQuarantine({ dir, bucket: 'msk-consumer-local-quarantine' }).put(
      planOf('msk-poison').quarantine,
    );

    const folder = path.join(
      dir,
      'msk-consumer-local-quarantine',
      'errors',
      'msk',
      'dt=2026-11-25',
      'hour=08',
    );
    expect((await readdir(folder)).sort()).toEqual([
      'telemetry-0-2002-2002.ndjson',
      'telemetry-1-901-903.ndjson',
      'telemetry-2-6002-6002.ndjson',
    ]);
  });
});
