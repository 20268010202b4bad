import { CANONICAL_COLUMNS, CanonicalRecordSchema, glueColumns, normaliseReading } from '../src';
import lakeRow from './fixtures/lake-row.json';

// One schema, many uses: the Glue table (and so Firehose's Parquet schema and Athena), the
// canonical record the transform writes and a lake row as stored must name the same columns in the
// same order with compatible types. If one changes alone, this fails.
describe('canonical schema', () => {
  const record = (() => {
    const result = normaliseReading(
      { deviceId: 'dev-0001', timestamp: '2026-11-25T07:59:58.250Z', metrics: { temperature: 21.7 } },
      { source: 'kinesis', ingestTimeMs: Date.parse('2026-11-25T08:00:05.120Z') },
    );
    if (result.outcome !== 'ok') throw new Error('sample reading must normalise');
    return result.record;
  })();

  it('gives the Glue table exactly the columns of the canonical record, in order', () => {
    expect(glueColumns().map((column) => column.Name)).toEqual(Object.keys(record));
    expect(Object.keys(CanonicalRecordSchema.shape)).toEqual(Object.keys(record));
  });

  it('matches a sample lake row column for column', () => {
    expect(Object.keys(lakeRow)).toEqual(glueColumns().map((column) => column.Name));
    expect(CanonicalRecordSchema.parse(lakeRow)).toEqual(lakeRow);
  });

  it('declares Glue types that fit the values the record holds', () => {
    const fits: Record<string, (value: unknown) => boolean> = {
      string: (value) => typeof value === 'string',
      timestamp: (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value)),
      double: (value) => typeof value === 'number',
      int: (value) => Number.isInteger(value) && Math.abs(value as number) < 2 ** 31,
      bigint: (value) => Number.isSafeInteger(value),
      boolean: (value) => typeof value === 'boolean',
    };
    const sample = {
      ...lakeRow,
      kafka_topic: 'telemetry',
      kafka_partition: 3,
      kafka_offset: 184467,
      latitude: 1,
      longitude: 2,
    };
    for (const { Name, Type } of glueColumns()) {
      expect([Name, fits[Type]?.(sample[Name])]).toEqual([Name, true]);
    }
  });

  it('documents every column', () => {
    for (const [name, column] of Object.entries(CANONICAL_COLUMNS))
      expect([name, column.comment.length > 0]).toEqual([name, true]);
  });
});
