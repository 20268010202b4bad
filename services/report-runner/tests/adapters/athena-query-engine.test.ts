import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryResultsOutput,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryEngine, athenaValue } from '../../src/adapters/athena-query-engine';
import { executionParameter } from '../../src/domain/portable-sql';
import { QueryEngineError } from '../../src/domain/errors';

const athena = mockClient(AthenaClient);
const sleeps: number[] = [];
let now = 0;

const engine = (options: Partial<ConstructorParameters<typeof AthenaQueryEngine>[0]> = {}) =>
  new AthenaQueryEngine({
    client: new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'report-runner-dev',
    database: 'pipeline_dev',
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    now: () => now,
    ...options,
  });

const state = (State: QueryExecutionState, extra: Record<string, unknown> = {}) => ({
  QueryExecution: {
    QueryExecutionId: 'q-1',
    Status: { State, ...extra },
    Statistics: { DataScannedInBytes: 52_428_800, EngineExecutionTimeInMillis: 1830 },
  },
});

const page = (rows: string[][], header: boolean, NextToken?: string): GetQueryResultsOutput => ({
  ResultSet: {
    ResultSetMetadata: {
      ColumnInfo: [
        { Name: 'dt', Type: 'date' },
        { Name: 'device_id', Type: 'varchar' },
        { Name: 'readings', Type: 'bigint' },
        { Name: 'temperature_avg', Type: 'double' },
        { Name: 'event_time', Type: 'timestamp' },
      ],
    },
    Rows: [
      ...(header ? [['dt', 'device_id', 'readings', 'temperature_avg', 'event_time']] : []),
      ...rows,
    ].map((cells) => ({
      Data: cells.map((value) => (value === '\u0000' ? {} : { VarCharValue: value })),
    })),
  },
  ...(NextToken ? { NextToken } : {}),
});

const request = {
  name: 'device_hourly_stats',
  sql: 'SELECT ... WHERE dt = ? AND hour = ?',
  parameters: ['2026-03-01', '10'],
};

beforeEach(() => {
  athena.reset();
  sleeps.length = 0;
  now = 0;
});

describe('the Athena query engine', () => {
  it('starts the query in the workgroup and database with the partition as ExecutionParameters', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([], true));
    await engine().run(request);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: request.sql,
      WorkGroup: 'report-runner-dev',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'pipeline_dev' },
      ExecutionParameters: ["'2026-03-01'", "'10'"],
    });
  });

  it('polls with growing delays until SUCCEEDED, then reports bytes scanned and engine time', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state('QUEUED'))
      .resolvesOnce(state('RUNNING'))
      .resolvesOnce(state('RUNNING'))
      .resolves(state('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([], true));
    const result = await engine().run(request);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(4);
    expect(sleeps).toEqual([200, 400, 800]);
    expect(result).toEqual(
      expect.objectContaining({
        engine: 'athena',
        queryId: 'q-1',
        bytesScanned: 52_428_800,
        engineMillis: 1830,
        rows: [],
      }),
    );
  });

  it('fails with the reason Athena gives for FAILED, transient only when Athena says it is retryable', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(
      state('FAILED', {
        StateChangeReason: "COLUMN_NOT_FOUND: line 3:8: Column 'temprature' cannot be resolved",
        AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false },
      }),
    );
    const error = (await engine()
      .run(request)
      .catch((caught: unknown) => caught)) as QueryEngineError;
    expect(error).toBeInstanceOf(QueryEngineError);
    expect(error.message).toBe(
      "device_hourly_stats: Athena query q-1 FAILED: COLUMN_NOT_FOUND: line 3:8: Column 'temprature' cannot be resolved",
    );
    expect(error.transient).toBe(false);

    athena.on(GetQueryExecutionCommand).resolves(
      state('FAILED', {
        StateChangeReason: 'Internal error',
        AthenaError: { ErrorCategory: 1, Retryable: true },
      }),
    );
    await expect(engine().run(request)).rejects.toMatchObject({ transient: true });
  });

  it('treats CANCELLED as a transient failure', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves(state('CANCELLED', { StateChangeReason: 'Query cancelled by user' }));
    await expect(engine().run(request)).rejects.toMatchObject({
      transient: true,
      message: expect.stringContaining('CANCELLED: Query cancelled by user'),
    });
  });

  it('retries throttled calls with backoff, and gives up transiently after the last attempt', async () => {
    const throttled = () =>
      new TooManyRequestsException({
        message: 'Rate exceeded',
        $metadata: {},
        Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
      });
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves(page([], true));
    await engine().run(request);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
    expect(sleeps).toEqual([200, 400]);

    athena.reset();
    athena.on(StartQueryExecutionCommand).rejects(throttled());
    const error = (await engine({ maxThrottleAttempts: 3 })
      .run(request)
      .catch((caught: unknown) => caught)) as QueryEngineError;
    expect(error.transient).toBe(true);
    expect(error.message).toMatch(/TooManyRequestsException: Rate exceeded \(throttled 3 times\)/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
  });

  it('stops a query that outlives the deadline and fails transiently', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(state('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    await expect(engine({ deadlineMs: 10_000 }).run(request)).rejects.toMatchObject({
      transient: true,
      message: expect.stringMatching(/still RUNNING after 10000 ms: stopped/),
    });
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryExecutionId: 'q-1',
    });
  });

  it('pages through GetQueryResults, skipping the header row once, typing values by column', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: undefined })
      .resolves(page([['2026-03-01', 'dev-001', '12', '21.5', '2026-03-01 10:15:00.123']], true, 'page-2'));
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', MaxResults: 1000, NextToken: 'page-2' })
      .resolves(page([['2026-03-01', 'dev-002', '3', '\u0000', '2026-03-01 10:20:00.5']], false));
    const result = await engine().run(request);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
    expect(result.columns.map(({ name, type }) => `${name}:${type}`)).toEqual([
      'dt:date',
      'device_id:varchar',
      'readings:bigint',
      'temperature_avg:double',
      'event_time:timestamp',
    ]);
    expect(result.rows).toEqual([
      {
        dt: '2026-03-01',
        device_id: 'dev-001',
        readings: 12,
        temperature_avg: 21.5,
        event_time: '2026-03-01 10:15:00.123',
      },
      {
        dt: '2026-03-01',
        device_id: 'dev-002',
        readings: 3,
        temperature_avg: null,
        event_time: '2026-03-01 10:20:00.500',
      },
    ]);
  });

  it('quotes string parameters as SQL literals and passes numbers as they are', () => {
    expect(executionParameter("it's")).toBe("'it''s'");
    expect(executionParameter(-10.5)).toBe('-10.5');
    expect(() => executionParameter(Number.NaN)).toThrow(QueryEngineError);
    expect(athenaValue('true', { Name: 'b', Type: 'boolean' })).toBe(true);
    expect(athenaValue('2026-03-01 10:15:00', { Name: 't', Type: 'timestamp' })).toBe(
      '2026-03-01 10:15:00.000',
    );
  });
});
