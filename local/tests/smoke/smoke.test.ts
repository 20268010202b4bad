import { RawReadingSchema } from '@pipeline/shared';
import { smokeBooks } from '../../src/smoke/books';
import { tallyErrors } from '../../src/smoke/observe';
import { planSmoke, SmokeRunIdError, validateRunId } from '../../src/smoke/plan';
import { memoryStore } from './memory-store';

const NOW = Date.UTC(2026, 10, 25, 9, 30);

describe('the smoke plan', () => {
  it('refuses a run id that could widen the LIKE pattern or break a device id', () => {
    expect(() => validateRunId("x%' OR 1=1 --")).toThrow(SmokeRunIdError);
    expect(() => validateRunId('ab_c')).toThrow(SmokeRunIdError);
    expect(validateRunId('mh3k2a9x')).toBe('mh3k2a9x');
  });

  it('tags every message with the run and knows what each must become', () => {
    const plan = planSmoke('abcd', 20, NOW);
    expect(plan.messages).toHaveLength(20);
    expect(plan.messages.every(({ deviceId }) => deviceId.startsWith('smoke-abcd-'))).toBe(true);
    expect(plan.expected).toEqual({
      delivered: 16,
      dropped: { heartbeat: 2 },
      failed: { invalid_metrics: 1, schema_violation: 1 },
    });
    expect(plan.readings).toBe(14);
    const readings = plan.messages.filter(({ role }) => role === 'reading' || role === 'hot');
    for (const { data } of readings)
      expect(RawReadingSchema.safeParse(JSON.parse(data.toString())).success).toBe(true);
  });
});

describe('the smoke books', () => {
  const plan = planSmoke('abcd', 10, NOW);
  const delivered = Object.fromEntries(
    plan.messages
      .filter(({ role }) => role !== 'bad' && role !== 'heartbeat')
      .map(({ deviceId }) => [deviceId, plan.messages.filter((m) => m.deviceId === deviceId).length]),
  );
  const lake = { rowsByDevice: delivered, readings: 7, partitions: [{ dt: '2026-11-25', hour: '09' }] };
  const errors = { failed: { invalid_metrics: 1 }, devices: new Set(['smoke-abcd-8']) };
  const reports = { readings: 7, missing: [] };

  it('balance when every hop counted every message', () => {
    const { books, problems } = smokeBooks(plan, lake, errors, reports, { windowEvents: 7, alerts: 1 });
    expect(problems).toEqual([]);
    expect(books.sources.devices).toEqual({
      produced: 10,
      delivered: 8,
      dropped: { heartbeat: 1 },
      failed: { invalid_metrics: 1 },
    });
    expect(books.duplicatesInLake).toBe(1);
  });

  it('name the hop that lost readings', () => {
    expect(
      smokeBooks(plan, lake, errors, { readings: 6, missing: [] }, { windowEvents: 5, alerts: 0 }).problems,
    ).toEqual([
      "reports: device_hourly_stats counts 6 of the run's readings, expected 7",
      "real-time layer: the windows count 5 of the run's readings, expected 7",
    ]);
    expect(
      smokeBooks(plan, lake, errors, { readings: 0, missing: ['anomalies dt=2026-11-25/hour=09'] }, undefined)
        .problems,
    ).toEqual(['reports: no anomalies dt=2026-11-25/hour=09 run manifest']);
  });

  it('count a heartbeat found in the lake where it was found, not as dropped', () => {
    const heartbeat = plan.heartbeatDevices[0] as string;
    const { books, problems } = smokeBooks(
      plan,
      { ...lake, rowsByDevice: { ...delivered, [heartbeat]: 1 } },
      errors,
      reports,
      undefined,
    );
    expect(books.sources.devices.dropped).toEqual({});
    expect(problems).toEqual([
      'Firehose -> lake: devices: expected 8 delivered, the lake holds 9',
      'Firehose -> lake: devices: expected dropped heartbeat 1, got none',
    ]);
  });
});

describe('the error prefix', () => {
  it('counts the run’s records by the reason the transform gave, found again from their bytes', async () => {
    const plan = planSmoke('abcd', 10, NOW);
    const bad = plan.messages.find(({ role }) => role === 'bad');
    // A processing-failed error record as Firehose writes it.
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
    const record = (data: Buffer, errorCode = 'Lambda.ProcessingFailedStatus') =>
      JSON.stringify({
        attemptsMade: 1,
        arrivalTimestamp: NOW,
        errorCode,
        errorMessage: 'ProcessingFailed status set for record',
        attemptEndingTimestamp: NOW + 500,
        rawData: data.toString('base64'),
        lambdaArn: 'arn:aws:lambda:eu-west-1:111122223333:function:ingest-transform-prod-transform:$LATEST',
      });
    const store = memoryStore({
      'errors/processing-failed/dt=2026-11-25/hour=09/ingest-transform-prod-1-2026-11-25-09-31-00-abc': [
        record(bad?.data ?? Buffer.alloc(0)),
        record(Buffer.from('{"deviceId":"dev-0001","metrics":{"temperature":451}}')),
        record(Buffer.from('{"deviceId":"smoke-abcd-3","timestamp":1}'), 'Lambda.FunctionError'),
      ].join('\n'),
    });
    const tally = await tallyErrors(store, 'smoke-abcd-', [{ dt: '2026-11-25', hour: '09' }], NOW);
    expect(tally.failed).toEqual({ invalid_metrics: 1, 'Lambda.FunctionError': 1 });
    expect([...tally.devices].sort()).toEqual(['smoke-abcd-3', 'smoke-abcd-8']);
  });

  it('counts records Parquet conversion refused as format_conversion_failed, as npm start does', async () => {
    const good = planSmoke('abcd', 1, NOW).messages[0]?.data ?? Buffer.alloc(0);
    // https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
    const store = memoryStore({
      'errors/format-conversion-failed/dt=2026-11-25/hour=09/ingest-transform-prod-1-2026-11-25-09-35-00-def':
        JSON.stringify({
          attemptsMade: 1,
          arrivalTimestamp: NOW,
          ErrorCode: 'DataFormatConversion.InvalidSchema',
          ErrorMessage: 'The schema is invalid.',
          attemptEndingTimestamp: NOW + 200,
          rawData: good.toString('base64'),
          sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
          subSequenceNumber: 0,
          dataCatalogTable: { databaseName: 'pipeline_prod', tableName: 'telemetry', region: 'eu-west-1' },
        }),
    });
    const tally = await tallyErrors(store, 'smoke-abcd-', [{ dt: '2026-11-25', hour: '09' }], NOW);
    expect(tally.failed).toEqual({ format_conversion_failed: 1 });
    expect([...tally.devices]).toEqual(['smoke-abcd-0']);
  });
});
