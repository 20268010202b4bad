import { partitionKeysFor, partitionOfKey, rawPartitionPrefix } from '../src';

describe('lake partitions', () => {
  it('derives dt and hour from the event time in UTC', () => {
    expect(partitionKeysFor(Date.parse('2026-11-25T23:59:59.999+00:00'))).toEqual({
      dt: '2026-11-25',
      hour: '23',
    });
    expect(partitionKeysFor(Date.parse('2026-11-26T00:30:00+01:00'))).toEqual({
      dt: '2026-11-25',
      hour: '23',
    });
  });

  it('builds the raw prefix Firehose writes to', () => {
    expect(rawPartitionPrefix({ dt: '2026-11-25', hour: '07' })).toBe('raw/dt=2026-11-25/hour=07/');
  });

  it('reads the partition of a lake object key', () => {
    expect(
      partitionOfKey('raw/dt=2026-11-25/hour=07/ingest-transform-dev-lake-3-2026-11-25-07-01-02-abc.parquet'),
    ).toEqual({
      dt: '2026-11-25',
      hour: '07',
    });
  });

  it.each([
    'errors/processing-failed/dt=2026-11-25/hour=07/x',
    'raw/dt=2026-11-25/hour=7/x',
    'raw/dt=2026-11-25/hour=24/x',
    'raw/dt=2026-02-30/hour=01/x',
    'raw/dt=2026-11-25/hour=07/',
    'raw/dt=2026-11-25/hour=07/nested/x',
    "raw/dt=2026-11-25'/hour=07/x",
  ])('rejects %s as outside the layout', (key) => {
    expect(partitionOfKey(key)).toBeUndefined();
  });
});
