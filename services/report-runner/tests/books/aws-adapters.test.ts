import { gzipSync } from 'node:zlib';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { hubIncomingRecords, type MetricSpec } from '@pipeline/shared/books';
import { athenaResultsPage, mockedClients } from '@pipeline/shared/testing/aws-sdk-mocks';
import { awsStageSources } from '../../src/books';
import { cloudWatchStageMetrics } from '../../src/books/cloudwatch-metrics';

const { cloudWatch, athena, s3 } = mockedClients({
  cloudWatch: CloudWatchClient,
  athena: AthenaClient,
  s3: S3Client,
});

const HOUR = { fromMs: Date.UTC(2026, 11, 6, 9), toMs: Date.UTC(2026, 11, 6, 10) };
const minute = (n: number) => new Date(HOUR.fromMs + n * 60_000);

// The SDK's stream body, as far as the adapters read it.
const body = (bytes: Uint8Array | string) =>
  ({
    transformToByteArray: async () => (typeof bytes === 'string' ? Buffer.from(bytes) : bytes),
    transformToString: async () => Buffer.from(bytes).toString('utf8'),
  }) as unknown as GetObjectCommandOutput['Body'];

const ok: MetricSpec = {
  namespace: 'IngestionPipeline',
  name: 'RecordsOk',
  dimensions: { service: 'ingest-transform' },
};

describe('the books from CloudWatch (GetMetricData)', () => {
  it('sums one-minute Sum datapoints per query over the range, across PartialData pages', async () => {
    // Response shape: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'm0',
            Label: 'IncomingRecords',
            Timestamps: [minute(0), minute(1)],
            Values: [600, 400],
            StatusCode: 'PartialData',
          },
          { Id: 'm1', Label: 'RecordsOk', Timestamps: [], Values: [], StatusCode: 'PartialData' },
        ],
        NextToken: 'page-2',
        Messages: [],
      })
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'm0',
            Label: 'IncomingRecords',
            Timestamps: [minute(2)],
            Values: [5],
            StatusCode: 'Complete',
          },
          { Id: 'm1', Label: 'RecordsOk', Timestamps: [minute(2)], Values: [990], StatusCode: 'Complete' },
        ],
        Messages: [],
      });
    const sums = await cloudWatchStageMetrics(new CloudWatchClient({ region: 'eu-west-1' })).sums(
      [hubIncomingRecords('prod-telemetry'), ok],
      HOUR,
    );
    expect(sums).toEqual([1005, 990]);
    const calls = cloudWatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toEqual({
      MetricDataQueries: [
        {
          Id: 'm0',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Kinesis',
              MetricName: 'IncomingRecords',
              Dimensions: [{ Name: 'StreamName', Value: 'prod-telemetry' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
        {
          Id: 'm1',
          MetricStat: {
            Metric: {
              Namespace: 'IngestionPipeline',
              MetricName: 'RecordsOk',
              Dimensions: [{ Name: 'service', Value: 'ingest-transform' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: true,
        },
      ],
      StartTime: new Date(HOUR.fromMs),
      EndTime: new Date(HOUR.toMs),
      ScanBy: 'TimestampAscending',
    });
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');
  });

  it('fails rather than count zero when a result is Forbidden', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'm0',
          StatusCode: 'Forbidden',
          Messages: [{ Code: 'Forbidden', Value: 'not authorized to access namespace AWS/Kinesis' }],
        },
      ],
    });
    await expect(
      cloudWatchStageMetrics(new CloudWatchClient({ region: 'eu-west-1' })).sums([ok], HOUR),
    ).rejects.toThrow('GetMetricData m0: Forbidden not authorized to access namespace AWS/Kinesis');
  });

  it('reads reasons with a search over [service, reason], each series labelled by its reason', async () => {
    // One series per reason, all under the expression's Id, the dynamic label giving the reason.
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'search',
          Label: 'invalid_json',
          Timestamps: [minute(3), minute(9)],
          Values: [4, 2],
          StatusCode: 'Complete',
        },
        {
          Id: 'search',
          Label: 'schema_violation',
          Timestamps: [minute(5)],
          Values: [1],
          StatusCode: 'Complete',
        },
        { Id: 'search', Label: 'oversized_record', Timestamps: [], Values: [], StatusCode: 'Complete' },
      ],
    });
    const reasons = await cloudWatchStageMetrics(new CloudWatchClient({ region: 'eu-west-1' })).byDimension(
      { namespace: 'IngestionPipeline', name: 'RecordsFailed', dimensions: { service: 'ingest-transform' } },
      'reason',
      HOUR,
    );
    expect(reasons).toEqual({ invalid_json: 6, schema_violation: 1 });
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries).toEqual([
      {
        Id: 'search',
        Expression:
          'SEARCH(\'{IngestionPipeline,reason,service} MetricName="RecordsFailed" service="ingest-transform"\', \'Sum\', 60)',
        Label: "${PROP('Dim.reason')}",
        ReturnData: true,
      },
    ]);
  });
});

const names = {
  ingestBucket: 'ingest-prod',
  reportsBucket: 'reports-prod',
  workGroup: 'report-runner-prod',
  database: 'pipeline_prod',
  table: 'telemetry',
};
const sources = () =>
  awsStageSources(
    {
      cloudWatch: new CloudWatchClient({ region: 'eu-west-1' }),
      athena: new AthenaClient({ region: 'eu-west-1' }),
      s3: new S3Client({ region: 'eu-west-1' }),
    },
    names,
  );

describe('the books from the lake (Athena)', () => {
  it('counts rows by source and partition, the range and the event-time days bound in WHERE', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-books' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-books',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 52_000, EngineExecutionTimeInMillis: 900 },
      },
    });
    athena.on(GetQueryResultsCommand).resolves(
      athenaResultsPage(
        [
          ['source', 'varchar'],
          ['dt', 'varchar'],
          ['hour', 'varchar'],
          ['records', 'bigint'],
        ],
        [
          ['kinesis', '2026-12-06', '08', '3'],
          ['kinesis', '2026-12-06', '09', '850'],
          ['msk', '2026-12-06', '09', '94'],
        ],
      ),
    );
    await expect(sources().lake.count(HOUR)).resolves.toEqual({
      devices: 853,
      kafka: 94,
      partitions: [
        { dt: '2026-12-06', hour: '08' },
        { dt: '2026-12-06', hour: '09' },
      ],
    });
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input.QueryString).toBe(
      'SELECT source, dt, hour, count(*) AS records FROM "telemetry" WHERE dt BETWEEN ? AND ? ' +
        'AND ingest_time >= CAST(? AS timestamp) AND ingest_time < CAST(? AS timestamp) ' +
        'GROUP BY source, dt, hour ORDER BY dt, hour',
    );
    // Readings up to 7 days old and 5 minutes ahead of their arrival are accepted.
    expect(input.ExecutionParameters).toEqual([
      "'2026-11-29'",
      "'2026-12-06'",
      "'2026-12-06 09:00:00.000'",
      "'2026-12-06 10:00:00.000'",
    ]);
    expect(input.WorkGroup).toBe('report-runner-prod');
    expect(input.QueryExecutionContext).toEqual({ Catalog: 'AwsDataCatalog', Database: 'pipeline_prod' });
  });
});

describe('the books from the error prefix and the reports bucket (S3)', () => {
  const record = (fields: Record<string, unknown>) => JSON.stringify(fields);
  const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

  it('counts error records that arrived in the range by source, batch failures by error code, GZIP or not', async () => {
    const inRange = HOUR.fromMs + 60_000;
    // Fields of processing-failed records:
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html
    const processingFailed = [
      record({
        attemptsMade: 1,
        arrivalTimestamp: inRange,
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'The record was marked as failed by the Lambda function.',
        attemptEndingTimestamp: inRange + 5000,
        rawData: Buffer.from('{not json').toString('base64'),
        lambdaArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ingest-transform-prod-transform:$LATEST',
      }),
      record({
        attemptsMade: 1,
        arrivalTimestamp: inRange,
        errorCode: 'Lambda.ProcessingFailedStatus',
        rawData: raw({ schema_version: 1, source: 'msk', device_id: 'k-1' }),
      }),
      record({
        attemptsMade: 4,
        arrivalTimestamp: inRange,
        errorCode: 'Lambda.FunctionError',
        errorMessage: 'The Lambda function was successfully invoked but it returned an error result.',
        rawData: raw({ device_id: 'd-1' }),
      }),
      // Arrived the hour before: another hour's books.
      record({
        arrivalTimestamp: HOUR.fromMs - 1,
        errorCode: 'Lambda.ProcessingFailedStatus',
        rawData: raw({ device_id: 'd-2' }),
      }),
    ].join('\n');
    // Format conversion error records name the code `lastErrorCode`:
    // https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion-error-handling.html
    const conversionFailed = record({
      attemptsMade: 1,
      arrivalTimestamp: inRange,
      lastErrorCode: 'DataFormatConversion.InvalidSchema',
      lastErrorMessage: 'The schema is invalid.',
      rawData: raw({ device_id: 'd-3' }),
      dataCatalogTable: { catalogId: null, databaseName: 'pipeline_prod', tableName: 'telemetry' },
    });
    const objects: Record<string, Uint8Array | string> = {
      'errors/processing-failed/dt=2026-12-06/hour=08/prod-lake-1-2026-12-06-08-59-00-a':
        gzipSync(processingFailed),
      'errors/format-conversion-failed/dt=2026-12-06/hour=09/prod-lake-1-2026-12-06-09-01-00-b':
        conversionFailed,
    };
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
      IsTruncated: false,
      KeyCount: 1,
      Contents: Object.keys(objects)
        .filter((key) => key.startsWith(input.Prefix))
        .map((Key) => ({ Key, Size: 100 })),
    }));
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const object = objects[input.Key];
      if (object === undefined)
        throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: body(object) };
    });
    await expect(sources().quarantine.count(HOUR)).resolves.toEqual({
      bySource: { devices: 3, kafka: 1 },
      batchFailures: { devices: { 'Lambda.FunctionError': 1 }, kafka: {} },
      formatConversionFailed: 1,
    });
    const prefixes = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input.Prefix);
    expect(prefixes).toEqual([
      'errors/processing-failed/dt=2026-12-06/hour=08/',
      'errors/processing-failed/dt=2026-12-06/hour=09/',
      'errors/format-conversion-failed/dt=2026-12-06/hour=08/',
      'errors/format-conversion-failed/dt=2026-12-06/hour=09/',
    ]);
    expect(
      s3.commandCalls(ListObjectsV2Command).every((call) => call.args[0].input.Bucket === 'ingest-prod'),
    ).toBe(true);
  });

  it('names every report without a run manifest for a partition', async () => {
    s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      expect(input.Bucket).toBe('reports-prod');
      if (input.Key.startsWith('reports/device_hourly_stats/'))
        throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: body('{"report":"x"}') };
    });
    await expect(sources().reports.missing([{ dt: '2026-12-06', hour: '09' }])).resolves.toEqual([
      'device_hourly_stats dt=2026-12-06/hour=09',
    ]);
  });
});
