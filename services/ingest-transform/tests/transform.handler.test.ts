import './environment';
import { FirehoseTransformationResponseSchema, REJECTION_REASONS } from '@pipeline/shared';
import { lambdaContext } from '@pipeline/shared/testing';
import { handler } from '../src/handlers/transform';
import expectedBadOutcomes from './bad-records.expected.json';
import { decodeData, loadEvent } from './events';

/** EMF documents the handler printed, by metric name and reason dimension. */
const emittedCounts = (log: jest.SpyInstance): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const [line] of log.mock.calls) {
    const document = typeof line === 'string' && line.startsWith('{"_aws"') ? JSON.parse(line) : undefined;
    if (!document) continue;
    for (const { Metrics } of document._aws.CloudWatchMetrics) {
      for (const { Name } of Metrics)
        counts[document.reason ? `${Name}.${document.reason}` : Name] = document[Name];
    }
  }
  return counts;
};

describe('transform handler', () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it('answers a Kinesis-source batch with one entry per record, same ids, same order', async () => {
    const event = loadEvent('firehose-kinesis-source');

    const response = await handler(event, lambdaContext());

    expect(FirehoseTransformationResponseSchema.parse(response)).toEqual(response);
    expect(response.records.map((record) => record.recordId)).toEqual(
      event.records.map((record) => record.recordId),
    );
    expect(response.records.map((record) => record.result)).toEqual([
      'Ok',
      'Ok',
      'Ok',
      'Ok',
      'Dropped',
      'Ok',
    ]);
  });

  it('writes newline-terminated canonical JSON with dt/hour partition keys for every Ok record', async () => {
    const response = await handler(loadEvent('firehose-kinesis-source'), lambdaContext());
    const ok = response.records.filter((record) => record.result === 'Ok');

    for (const record of ok)
      expect(Buffer.from(record.data, 'base64').toString('utf8')).toMatch(/^\{.*\}\n$/);
    expect(ok.map((record) => decodeData(record.data))).toMatchObject([
      {
        device_id: 'dev-0001',
        event_time: '2026-11-25T07:59:58.250Z',
        site: 'plant-berlin',
        firmware: '2.4.1',
      },
      { device_id: 'dev-0002', event_time: '2026-11-25T07:59:59.000Z', temperature: 19.4, battery: 64.5 },
      { device_id: 'dev-0003', event_time: '2026-11-25T07:59:57.000Z', humidity: 51, pressure: 1009.4 },
      {
        device_id: 'dev-0004',
        event_time: '2026-11-25T07:59:59.000Z',
        latitude: 41.1579,
        longitude: -8.6291,
      },
      {
        device_id: 'dev-0101',
        source: 'msk',
        kafka_topic: 'telemetry',
        kafka_partition: 3,
        kafka_offset: 184467,
      },
    ]);
    expect(ok.map((record) => record.metadata?.partitionKeys)).toEqual(
      Array.from({ length: 5 }, () => ({ dt: '2026-11-25', hour: '07' })),
    );
  });

  it('flags every record registered=false when no registry is configured (REGISTRY_KEY empty)', async () => {
    const response = await handler(loadEvent('firehose-kinesis-source'), lambdaContext());
    const ok = response.records
      .filter((record) => record.result === 'Ok')
      .map(({ data }) => decodeData(data));

    expect(ok).toHaveLength(5);
    for (const record of ok)
      expect(record).toMatchObject({
        registered: false,
        model: null,
        owner: null,
        location_label: null,
        install_date: null,
      });
    expect(emittedCounts(log)).toMatchObject({ RecordsUnregistered: 5, RegistryUnavailable: 0 });
  });

  it('takes the ingest time from the hub arrival, so a retried batch gives the same bytes', async () => {
    const first = await handler(loadEvent('firehose-kinesis-source'), lambdaContext());
    const retried = await handler(loadEvent('firehose-kinesis-source'), lambdaContext());

    expect(retried).toEqual(first);
    expect(decodeData(first.records[0]!.data)).toMatchObject({ ingest_time: '2026-11-25T08:00:05.120Z' });
  });

  it('returns dropped heartbeats with their original data', async () => {
    const event = loadEvent('firehose-kinesis-source');
    const response = await handler(event, lambdaContext());
    expect(response.records[4]).toEqual({
      recordId: event.records[4]!.recordId,
      result: 'Dropped',
      data: event.records[4]!.data,
    });
  });

  it('handles Direct PUT batches, which carry no Kinesis metadata', async () => {
    const event = loadEvent('firehose-direct-put');

    const response = await handler(event, lambdaContext());

    expect(response.records.map((record) => record.result)).toEqual(['Ok', 'Ok']);
    expect(decodeData(response.records[0]!.data)).toMatchObject({ ingest_time: '2026-11-25T08:00:05.120Z' });
  });

  it('gives every bad record its own ProcessingFailed outcome without failing the batch', async () => {
    const event = loadEvent('firehose-bad-records');

    const response = await handler(event, lambdaContext());

    expect(response.records).toHaveLength(expectedBadOutcomes.length);
    response.records.forEach((record, index) => {
      const expected = expectedBadOutcomes[index];
      expect([index, record.recordId, record.result]).toEqual([
        index,
        event.records[index]!.recordId,
        expected === 'Ok' ? 'Ok' : 'ProcessingFailed',
      ]);
      // Failed records keep their original bytes: Firehose writes them under the error prefix.
      if (record.result === 'ProcessingFailed')
        expect(record.data).toBe(event.records[index]!.data || record.data);
    });
  });

  it('counts each rejection reason as a metric', async () => {
    await handler(loadEvent('firehose-bad-records'), lambdaContext());

    const expected: Record<string, number> = { RecordsOk: 1 };
    for (const outcome of expectedBadOutcomes.filter((outcome) => outcome !== 'Ok')) {
      expected[`RecordsFailed.${outcome}`] = (expected[`RecordsFailed.${outcome}`] ?? 0) + 1;
    }
    expect(emittedCounts(log)).toMatchObject(expected);
    // The fixture covers every reason a single record can have (the response budget is a batch effect).
    expect(REJECTION_REASONS.filter((reason) => !expected[`RecordsFailed.${reason}`])).toEqual([
      'response_size_limit',
    ]);
  });

  it('holds canonical records from the hub to the ranges and event-time window raw readings get', async () => {
    const event = loadEvent('firehose-kinesis-source');
    const forwarded = event.records[5]!;
    const canonical = decodeData(forwarded.data) as Record<string, unknown>;
    expect(canonical).toMatchObject({ schema_version: 1, source: 'msk' });
    const arrivalMs = forwarded.kinesisRecordMetadata!.approximateArrivalTimestamp;
    const variants: [Record<string, unknown>, string][] = [
      [{ temperature: 1e308 }, 'invalid_metrics'],
      [{ event_time: '0000-01-01T00:00:00.000Z' }, 'invalid_event_time'],
      [{ event_time: new Date(arrivalMs + 3_600_000).toISOString() }, 'event_time_in_future'],
    ];
    event.records = variants.map(([change], index) => ({
      ...forwarded,
      recordId: `${forwarded.recordId.slice(0, -1)}${index}`,
      data: Buffer.from(JSON.stringify({ ...canonical, ...change })).toString('base64'),
    }));

    const response = await handler(event, lambdaContext());

    expect(response.records.map(({ result }) => result)).toEqual(variants.map(() => 'ProcessingFailed'));
    expect(response.records.map(({ data }) => data)).toEqual(event.records.map(({ data }) => data));
    const counts = emittedCounts(log);
    for (const [, reason] of variants) expect(counts[`RecordsFailed.${reason}`]).toBe(1);
  });

  it('rejects an event that is not a Firehose transformation event', async () => {
    jest.spyOn(console, 'warn').mockImplementationOnce(() => undefined);
    await expect(handler({ records: [] } as never, lambdaContext())).rejects.toThrow();
  });
});
