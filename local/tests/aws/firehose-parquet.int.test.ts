import { DuckDBInstance } from '@duckdb/node-api';
import { glueColumns, normaliseReading, type FirehoseTransformationResponse } from '@pipeline/shared';
import { join } from 'node:path';
import { DeliveryStream } from '../../src/aws/firehose/DeliveryStream';
import type { FirehoseKinesisSourceEvent } from '../../src/aws/firehose/event';
import { ParquetEncoder } from '../../src/aws/firehose/ParquetEncoder';
import { KinesisStream } from '../../src/aws/kinesis/KinesisStream';
import { ObjectStore } from '../../src/aws/s3/ObjectStore';
import { clockAt, T0, tempRoot } from './support';

// A transform with ingest-transform's contract, built on the shared normalisation: canonical JSON
// lines with dt/hour partition keys. A reading marked `corrupt` is returned Ok with a value that
// does not fit its column, which only record format conversion can catch.
const transform = async (event: FirehoseKinesisSourceEvent): Promise<FirehoseTransformationResponse> => ({
  records: event.records.map(({ recordId, data, approximateArrivalTimestamp }) => {
    const message = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>;
    const normalised = normaliseReading(message, {
      source: 'kinesis',
      ingestTimeMs: approximateArrivalTimestamp,
    });
    if (normalised.outcome !== 'ok') return { recordId, result: 'ProcessingFailed', data };
    const record = message.corrupt ? { ...normalised.record, temperature: 'hot' } : normalised.record;
    return {
      recordId,
      result: 'Ok',
      data: Buffer.from(`${JSON.stringify(record)}\n`).toString('base64'),
      metadata: { partitionKeys: normalised.partition },
    };
  }),
});

const DUCKDB_TYPE = {
  string: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  double: 'DOUBLE',
  int: 'INTEGER',
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
} as const;

describe('Firehose record format conversion to Parquet (DuckDB)', () => {
  it('writes Parquet objects with the Glue column types into raw/dt=/hour=, and unconvertible records to errors/format-conversion-failed/', async () => {
    const { root, cleanup } = await tempRoot();
    const encoder = new ParquetEncoder({ scratchDir: join(root, '.scratch') });
    const duck = await DuckDBInstance.create(':memory:');
    const sql = await duck.connect();
    try {
      const clock = clockAt();
      const stream = new KinesisStream({ name: 'hub', shardCount: 2, clock });
      const store = new ObjectStore({ root, clock });
      await store.createBucket('ingest');
      const firehose = new DeliveryStream({
        name: 'ingest-transform-dev-lake',
        source: stream,
        clock,
        startingPosition: 'TRIM_HORIZON',
        processor: { functionName: 'ingest-transform-dev-transform', handler: transform },
        destination: {
          store,
          bucket: 'ingest',
          encoder,
          bufferSizeMB: 128,
          bufferIntervalSeconds: 60,
          dataCatalogTable: { databaseName: 'pipeline_dev', tableName: 'telemetry' },
        },
      });
      const readings = [
        {
          deviceId: 'dev-0001',
          timestamp: '2026-03-01T09:58:00.000Z',
          metrics: { temperature: 21.5, humidity: 40 },
        },
        { deviceId: 'dev-0002', timestamp: '2026-03-01T09:59:30.000Z', metrics: { pressure: 1013.2 } },
        {
          deviceId: 'dev-0003',
          timestamp: '2026-03-01T10:00:10.000Z',
          metrics: { battery: 88 },
          site: 'plant-berlin',
        },
        {
          deviceId: 'dev-0004',
          timestamp: '2026-03-01T10:00:20.000Z',
          metrics: { temperature: 19 },
          corrupt: true,
        },
      ];
      await stream.putRecords({
        Records: readings.map((reading) => ({
          PartitionKey: reading.deviceId,
          Data: Buffer.from(JSON.stringify(reading)),
        })),
      });

      clock.advance(60_000);
      await firehose.poll();
      clock.advance(60_000);
      await firehose.poll();

      const keys: string[] = [];
      for await (const key of store.keys('ingest')) keys.push(key);
      const lake = keys.filter((key) => key.startsWith('raw/'));
      expect(lake).toEqual([
        expect.stringMatching(
          /^raw\/dt=2026-03-01\/hour=09\/ingest-transform-dev-lake-1-2026-03-01-10-00-00-[0-9a-f-]{36}$/,
        ),
        expect.stringMatching(
          /^raw\/dt=2026-03-01\/hour=10\/ingest-transform-dev-lake-1-2026-03-01-10-00-00-[0-9a-f-]{36}$/,
        ),
      ]);
      for (const key of lake) {
        expect((await store.getObject({ Bucket: 'ingest', Key: key })).Body.subarray(0, 4).toString()).toBe(
          'PAR1',
        );
      }

      const files = lake.map((key) => `'${store.pathOf('ingest', key)}'`).join(', ');
      const described = (
        await sql.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet([${files}], hive_partitioning = false)`)
      ).getRowObjectsJson();
      expect(described.map((row) => [row.column_name, row.column_type])).toEqual(
        glueColumns().map(({ Name, Type }) => [Name, DUCKDB_TYPE[Type]]),
      );
      const rows = (
        await sql.runAndReadAll(
          `SELECT device_id, strftime(event_time, '%Y-%m-%dT%H:%M:%S.%gZ') AS event_time, temperature, site, source
           FROM read_parquet([${files}], hive_partitioning = false) ORDER BY device_id`,
        )
      ).getRowObjectsJson();
      expect(rows).toEqual([
        {
          device_id: 'dev-0001',
          event_time: '2026-03-01T09:58:00.000Z',
          temperature: 21.5,
          site: null,
          source: 'kinesis',
        },
        {
          device_id: 'dev-0002',
          event_time: '2026-03-01T09:59:30.000Z',
          temperature: null,
          site: null,
          source: 'kinesis',
        },
        {
          device_id: 'dev-0003',
          event_time: '2026-03-01T10:00:10.000Z',
          temperature: null,
          site: 'plant-berlin',
          source: 'kinesis',
        },
      ]);

      const errorKey = keys.find((key) => key.startsWith('errors/')) as string;
      expect(errorKey).toMatch(
        /^errors\/format-conversion-failed\/dt=2026-03-01\/hour=10\/ingest-transform-dev-lake-1-/,
      );
      const errorRecord = JSON.parse(
        (await store.getObject({ Bucket: 'ingest', Key: errorKey })).Body.toString('utf8'),
      );
      expect(errorRecord).toEqual({
        attemptsMade: 1,
        arrivalTimestamp: T0,
        lastErrorCode: 'DataFormatConversion.MalformedData',
        lastErrorMessage: expect.stringContaining('temperature'),
        attemptEndingTimestamp: T0 + 60_000,
        rawData: expect.any(String),
        sequenceNumber: expect.stringMatching(/^\d+$/),
        subSequenceNumber: 0,
        dataCatalogTable: {
          catalogId: '000000000000',
          databaseName: 'pipeline_dev',
          tableName: 'telemetry',
          region: 'us-east-1',
          versionId: 'LATEST',
          catalogArn: 'arn:aws:glue:us-east-1:000000000000:catalog',
        },
      });
      expect(JSON.parse(Buffer.from(errorRecord.rawData, 'base64').toString()).device_id).toBe('dev-0004');
      expect(firehose.stats).toMatchObject({
        ok: 4,
        delivered: 3,
        formatConversionFailed: 1,
        objectsWritten: 2,
        errorObjectsWritten: 1,
      });
    } finally {
      sql.closeSync();
      duck.closeSync();
      await encoder.close();
      await cleanup();
    }
  });

  it('requires the 64 MiB S3 buffer that record format conversion needs', async () => {
    const clock = clockAt();
    expect(
      () =>
        new DeliveryStream({
          name: 'lake',
          clock,
          source: new KinesisStream({ name: 'hub', shardCount: 1, clock }),
          processor: { functionName: 'f', handler: transform },
          destination: {
            store: new ObjectStore({ root: '/nonexistent', clock }),
            bucket: 'b',
            prefix: 'plain/',
            bufferSizeMB: 32,
            encoder: new ParquetEncoder(),
          },
        }),
    ).toThrow(/at least 64/);
  });
});
