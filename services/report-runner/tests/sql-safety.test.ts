import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { AthenaQueryEngine } from '../src/adapters/athena-query-engine';
import { LAKE_RELATION, queryColumns } from '../src/domain/report-definition';
import { reportQuery } from '../src/domain/run-reports';
import { createRunnerHandler } from '../src/handlers/runner-handler';
import { loadReports } from '../src/reports';
import { TEST_SETTINGS } from './support/expected';
import { MemoryObjectStore, RecordingWarehouse } from './support/fakes';

// SQL safety (issue 10): object keys come from whoever can write to the ingest bucket. Feed the
// runner hostile keys through the deployed Athena adapter and prove that every query Athena
// receives is a report file verbatim, with dt/hour bound only through ExecutionParameters.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const HOSTILE_FILE_NAMES = [
  "x.parquet'); DROP TABLE report_device_hourly_stats; --",
  "o'brien.parquet",
  '"; DELETE FROM realtime_alert; --.parquet',
  "' UNION SELECT * FROM information_schema.tables --",
  '$$; SELECT 1; $$',
  '\u0000\n; DROP SCHEMA public CASCADE',
];
const HOSTILE_PARTITIONS = [
  "raw/dt=2026-03-01'; DROP TABLE x; --/hour=10/a.parquet",
  "raw/dt=2026-03-01/hour=10' OR '1'='1/a.parquet",
  'raw/dt=2026-03-01 UNION SELECT 1/hour=10/a.parquet',
];
const KEYS = [
  ...HOSTILE_FILE_NAMES.map((name) => `raw/dt=2026-03-01/hour=10/${name}`),
  ...HOSTILE_PARTITIONS,
];
const NEEDLES = ['DROP ', 'DELETE FROM', 'UNION SELECT', "o'brien", 'information_schema', '$$', "'1'='1"];

const athena = mockClient(AthenaClient);
const reports = loadReports();
// Each report file with its relations bound from configuration (the Glue tables, the anomaly bounds).
const queries = reports.map(
  (report) =>
    reportQuery({ settings: TEST_SETTINGS, lakeRelation: LAKE_RELATION }, report, {
      dt: '2026-03-01',
      hour: '10',
    }).sql,
);

const body = (key: string) =>
  JSON.stringify({
    version: '0',
    id: 'e',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-03-01T10:16:41Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::local-ingest'],
    detail: {
      version: '0',
      bucket: { name: 'local-ingest' },
      object: { key, size: 1, etag: 'e', sequencer: '1' },
      'request-id': 'r',
      requester: '123456789012',
    },
  });

const event = (keys: string[]): SQSEvent => ({
  Records: keys.map((key, index) => ({
    messageId: `m-${index}`,
    receiptHandle: `h-${index}`,
    body: body(key),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '1',
    },
    messageAttributes: {},
    md5OfBody: '0'.repeat(32),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:report-runner-dev-runs',
    awsRegion: 'us-east-1',
  })),
});

describe('report-runner with hostile object keys', () => {
  let response: SQSBatchResponse;
  let started: StartQueryExecutionCommandInput[];

  beforeAll(async () => {
    athena.reset();
    // Athena answers each report with its own columns and no rows.
    athena.on(StartQueryExecutionCommand).callsFake((input: StartQueryExecutionCommandInput) => ({
      QueryExecutionId: String(queries.indexOf(input.QueryString ?? '')),
    }));
    athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => ({
      QueryExecution: {
        QueryExecutionId,
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: 1, EngineExecutionTimeInMillis: 1 },
      },
    }));
    athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
      const report = reports[Number(QueryExecutionId)];
      const columns = report ? queryColumns(report) : [];
      return {
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns.map(({ name, type }) => ({ Name: name, Type: type })) },
          Rows: [{ Data: columns.map(({ name }) => ({ VarCharValue: name })) }],
        },
      };
    });
    const handler = createRunnerHandler({
      runner: {
        engine: new AthenaQueryEngine({
          client: new AthenaClient({ region: 'us-east-1' }),
          workGroup: 'report-runner-dev',
          database: 'pipeline_dev',
          sleep: async () => undefined,
        }),
        store: new MemoryObjectStore(),
        warehouse: new RecordingWarehouse(),
        reports,
        settings: TEST_SETTINGS,
        lakeRelation: LAKE_RELATION,
        reportConcurrency: 2,
      },
      logger: {
        appendKeys: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      } as unknown as Logger,
      metrics: new Metrics({ namespace: 'test', serviceName: 'report-runner' }),
      ingestBucket: 'local-ingest',
      partitionConcurrency: 1,
      rerunDaysBack: 1,
    });
    response = (await handler(event(KEYS))) as SQSBatchResponse;
    started = athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input);
  });

  it('reports the partition of hostile file names once, and rejects keys whose partition is not a date and hour', () => {
    expect(response.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier)).toEqual(
      HOSTILE_PARTITIONS.map((_, index) => `m-${HOSTILE_FILE_NAMES.length + index}`),
    );
    expect(started).toHaveLength(reports.length);
  });

  it('sends each report file to Athena verbatim (its relations bound), never text from a key', () => {
    expect(started.map(({ QueryString }) => QueryString).sort()).toEqual([...queries].sort());
    for (const { QueryString } of started) {
      for (const needle of NEEDLES) expect(QueryString).not.toContain(needle);
    }
  });

  it('binds only the validated dt and hour, and numeric settings, as ExecutionParameters', () => {
    for (const { ExecutionParameters = [] } of started) {
      for (const parameter of ExecutionParameters) {
        expect(parameter).toMatch(/^('2026-03-01'|'10'|-?\d+(\.\d+)?)$/);
      }
      expect(ExecutionParameters).toEqual(expect.arrayContaining(["'2026-03-01'", "'10'"]));
    }
  });
});
