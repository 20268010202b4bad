import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  METRIC_NAMES,
  QUARANTINE_COLUMNS,
  QUARANTINE_TABLES,
  type TransformQuarantineRecord,
} from '@pipeline/shared';
import { quarantineGlueTable } from '@pipeline/shared/serverless';
import { transformQuarantineObjects } from '@pipeline/ingest-transform';
import { quarantineObjects } from '@pipeline/msk-consumer';
import { localLayout } from '../../src/cloud/layout';
import { DuckDbQueryEngine } from '../../src/engines';
import { main as ops } from '../../src/ops/cli';
import { duckDbTypeOf } from '../../src/engines/quarantine-tables';
import { localRunnerFolders } from '../../src/functions/report-runner';
import { LAKE_RELATION, loadReports, reportQuery } from '@pipeline/report-runner';

const AT = Date.parse('2026-11-25T08:15:00.000Z');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const write = async (file: string, body: string) => {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
};

describe('the quarantine in the local engine', () => {
  let root: string;
  let engine: DuckDbQueryEngine;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'quarantine-'));
    // The local cloud's bucket folders, as npm start lays them out.
    const { lakeDir: lake, quarantineDir: kafka } = localLayout(root);
    engine = await DuckDbQueryEngine.create({ lakeDir: lake, kafkaQuarantineDir: kafka });

    const transform: TransformQuarantineRecord[] = [
      {
        reason: 'invalid_json',
        device_id: null,
        received_at_ms: AT,
        payload: b64('{'),
        detail: 'x',
        record_id: 'r1',
      },
      {
        reason: 'invalid_metrics',
        device_id: 'dev-0011',
        received_at_ms: AT,
        payload: b64('{"deviceId":"dev-0011"}'),
        detail: 'temperature',
        record_id: 'r2',
      },
      // Rejected by an attempt of an invocation that then failed: Firehose sent the whole batch to
      // its error output (Lambda.FunctionError below), where it counts.
      {
        reason: 'invalid_json',
        device_id: null,
        received_at_ms: AT,
        payload: b64('{"a":1}'),
        detail: 'x',
        record_id: 'r3',
      },
    ];
    for (const { key, body } of transformQuarantineObjects(transform))
      await write(path.join(lake, key), body);

    // Firehose's error records, fields as
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html lists
    // them. The ProcessingFailedStatus copies of the transform's rejections count once, through the
    // transform's own records.
    const firehoseRecord = (errorCode: string, errorMessage: string, data: string) =>
      JSON.stringify({
        attemptsMade: 4,
        arrivalTimestamp: AT,
        errorCode,
        errorMessage,
        attemptEndingTimestamp: AT + 1000,
        rawData: b64(data),
        lambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:transform',
      });
    await write(
      path.join(lake, 'errors/processing-failed/dt=2026-11-25/hour=08/lake-1-2026-11-25-08-15-00-a'),
      [
        firehoseRecord('Lambda.ProcessingFailedStatus', 'ProcessingFailed status set for record', '{'),
        firehoseRecord(
          'Lambda.ProcessingFailedStatus',
          'ProcessingFailed status set for record',
          '{"deviceId":"dev-0011"}',
        ),
        firehoseRecord(
          'Lambda.FunctionError',
          'The Lambda function was successfully invoked but it returned an error result.',
          '{"a":1}',
        ),
      ].join('\n') + '\n',
    );
    // https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
    await write(
      path.join(lake, 'errors/format-conversion-failed/dt=2026-11-25/hour=08/lake-1-2026-11-25-08-15-00-b'),
      `${JSON.stringify({ attemptsMade: 1, arrivalTimestamp: AT, lastErrorCode: 'DataFormatConversion.MalformedData', lastErrorMessage: 'bad', rawData: b64('{"b":2}') })}\n`,
    );
    // The AWS IoT error action message of https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html,
    // on this pipeline's topic.
    await write(
      path.join(lake, 'errors/iot-rule/dt=2026-11-25/hour=08/7e146a2c-95b5-6caf-98b9-50e3969734c7.json'),
      `${JSON.stringify({
        ruleName: 'ingest_transform_dev_telemetry',
        topic: 'telemetry/dev-0042',
        cloudwatchTraceId: '7e146a2c-95b5-6caf-98b9-50e3969734c7',
        clientId: 'dev-0042',
        base64OriginalPayload: 'ewogICJtZXNzYWdlIjogIkhlbGxvIHZyb20gQVdTIElvVCBjb25zb2xlIgp9',
        failures: [
          {
            failedAction: 'KinesisAction',
            failedResource: 'ingest-transform-dev-telemetry',
            errorMessage: 'Failed to put record. ProvisionedThroughputExceededException',
          },
        ],
      })}\n`,
    );
    for (const { key, body } of quarantineObjects([
      {
        topic: 'telemetry',
        partition: 0,
        offset: 7,
        timestamp: AT,
        timestampType: 'CREATE_TIME',
        ingestTimeMs: AT,
        key: { value: 'dev-0100', encoding: 'utf8' },
        headers: [],
        reason: 'invalid_header',
        detail: 'header x',
        value: b64('{}'),
      },
    ]))
      await write(path.join(kafka, key), body);
  });

  afterAll(async () => {
    engine?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('counts every rejected record once by reason, whatever rejected it', async () => {
    const result = await engine.run({
      name: 'by-reason',
      sql: 'SELECT source, reason, count(*) AS n FROM quarantine GROUP BY source, reason ORDER BY source, reason',
      parameters: [],
    });
    expect(result.rows).toEqual([
      { source: 'firehose', reason: 'DataFormatConversion.MalformedData', n: 1 },
      { source: 'firehose', reason: 'Lambda.FunctionError', n: 1 },
      { source: 'iot', reason: 'iot_KinesisAction', n: 1 },
      { source: 'kafka', reason: 'invalid_header', n: 1 },
      { source: 'transform', reason: 'invalid_json', n: 1 },
      { source: 'transform', reason: 'invalid_metrics', n: 1 },
    ]);
  });

  it("the local report runner reads msk-consumer's quarantine bucket, as npm start lays it out", () => {
    expect(localRunnerFolders({ LOCAL_ROOT: root }).kafkaQuarantineDir).toBe(localLayout(root).quarantineDir);
  });

  it('runs the quarantine_by_reason report per hour: every rejection of the hour, by source and reason', async () => {
    const report = loadReports().find(({ name }) => name === 'quarantine_by_reason');
    expect(report?.table.name).toBe('report_quarantine_by_reason');
    // The report takes no threshold: any bounds will do.
    const settings = {
      thresholds: Object.fromEntries(METRIC_NAMES.map((metric) => [metric, { min: 0, max: 1 }])),
      lateAfterSeconds: 900,
    } as Parameters<typeof reportQuery>[0]['settings'];
    const run = async (dt: string, hour: string) =>
      (await engine.run(reportQuery({ settings, lakeRelation: LAKE_RELATION }, report!, { dt, hour }))).rows;
    const rows = await run('2026-11-25', '08');
    expect(rows).toEqual([
      { source: 'firehose', reason: 'DataFormatConversion.MalformedData', rejected: 1 },
      { source: 'firehose', reason: 'Lambda.FunctionError', rejected: 1 },
      { source: 'iot', reason: 'iot_KinesisAction', rejected: 1 },
      { source: 'kafka', reason: 'invalid_header', rejected: 1 },
      { source: 'transform', reason: 'invalid_json', rejected: 1 },
      { source: 'transform', reason: 'invalid_metrics', rejected: 1 },
    ]);
    expect(await run('2026-11-25', '09')).toEqual([]);
  });

  it('shows the common columns: device, time received, original payload, partition', async () => {
    const result = await engine.run({
      name: 'columns',
      sql: 'SELECT * FROM quarantine WHERE device_id IS NOT NULL ORDER BY source',
      parameters: [],
    });
    expect(result.columns.map(({ name }) => name)).toEqual(QUARANTINE_COLUMNS.map(({ name }) => name));
    expect(result.rows).toEqual([
      expect.objectContaining({
        source: 'iot',
        device_id: 'dev-0042',
        received_at: '2026-11-25 08:00:00.000',
        dt: '2026-11-25',
        hour: '08',
      }),
      expect.objectContaining({
        source: 'kafka',
        device_id: 'dev-0100',
        received_at: '2026-11-25 08:15:00.000',
        payload: b64('{}'),
      }),
      expect.objectContaining({
        source: 'transform',
        device_id: 'dev-0011',
        reason: 'invalid_metrics',
        detail: 'temperature',
      }),
    ]);
  });

  it('binds filters as Athena does, in WHERE', async () => {
    const result = await engine.run({
      name: 'filter',
      sql: 'SELECT count(*) AS n FROM quarantine WHERE reason = ? AND received_at >= ?',
      parameters: ['invalid_json', '2026-11-25 08:00:00'],
    });
    expect(result.rows).toEqual([{ n: 1 }]);
  });

  it('reads each source table with the columns of its Glue table', async () => {
    for (const table of QUARANTINE_TABLES) {
      const glue = quarantineGlueTable(table, { database: 'db', bucketLogicalId: 'B' }).Properties.TableInput;
      const result = await engine.run({
        name: table.name,
        sql: `SELECT * FROM ${table.name} LIMIT 0`,
        parameters: [],
      });
      expect(result.columns.map(({ name }) => name)).toEqual([
        ...glue.StorageDescriptor.Columns.map(({ Name }) => Name),
        ...glue.PartitionKeys.map(({ Name }) => Name),
      ]);
    }
  });

  it('answers npm run quarantine over a local cloud folder, by source and reason or any SELECT', async () => {
    const lines: string[] = [];
    expect(await ops(['quarantine', '--root', root], (line) => lines.push(line))).toBe(0);
    expect(lines.map((line) => JSON.parse(line))).toContainEqual({
      source: 'transform',
      reason: 'invalid_metrics',
      records: 1,
    });
    expect(lines).toHaveLength(6);
    const one: string[] = [];
    await ops(
      ['quarantine', '--root', root, '--sql', "SELECT device_id FROM quarantine WHERE source = 'kafka'"],
      (line) => one.push(line),
    );
    expect(one).toEqual(['{"device_id":"dev-0100"}']);
  });

  it('maps nested Glue types to DuckDB types', () => {
    expect(duckDbTypeOf('array<struct<failedAction:string,errorMessage:string>>')).toBe(
      'STRUCT("failedAction" VARCHAR, "errorMessage" VARCHAR)[]',
    );
    expect(() => duckDbTypeOf('map<string,string>')).toThrow(RangeError);
  });
});
