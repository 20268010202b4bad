import { invokeLocal } from '@pipeline/shared/testing';
import type { FirehoseTransformationResponse } from '@pipeline/shared';
import { join } from 'node:path';

const serviceDir = join(__dirname, '..');
const transform = (eventFile: string) =>
  invokeLocal<FirehoseTransformationResponse>(serviceDir, 'transform', eventFile).then((response) =>
    response.records.map((record) => record.result),
  );

describe('sls invoke local (the README command)', () => {
  it('runs the transform offline on the sample Kinesis-source event', async () => {
    expect(await transform('events/firehose-kinesis-source.json')).toEqual([
      'Ok',
      'Ok',
      'Ok',
      'Ok',
      'Dropped',
      'Ok',
    ]);
  }, 60_000);

  it('runs the transform offline on the bad-records event without failing the batch', async () => {
    const results = await transform('events/firehose-bad-records.json');
    expect(results.filter((result) => result === 'ProcessingFailed')).toHaveLength(results.length - 1);
  }, 60_000);
});
