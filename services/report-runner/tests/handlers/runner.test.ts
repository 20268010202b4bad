import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { lambdaContext } from '@pipeline/shared/testing';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { QueryEngineError } from '../../src/domain/errors';
import { reportOutputKeys } from '../../src/domain/layout';
import type { RunManifest } from '../../src/domain/manifest';
import { LAKE_RELATION } from '../../src/domain/report-definition';
import { createRunnerHandler, type RerunSummary } from '../../src/handlers/runner-handler';
import { loadReports } from '../../src/reports';
import { TEST_SETTINGS } from '../support/expected';
import {
  FakeQueryEngine,
  loadEvent,
  MemoryObjectStore,
  partitionQueried,
  RecordingWarehouse,
} from '../support/fakes';

// Metrics are asserted through behaviour here; keep EMF lines out of the test output.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const reports = loadReports();
const context = lambdaContext('report-runner-test-runner', 300_000);
const messageId = (n: number) => `6f1f3c9e-2b1d-4a7e-8c55-1d2e3f4a5b${String(n).padStart(2, '0')}`;

const setup = () => {
  const engine = new FakeQueryEngine(reports);
  const store = new MemoryObjectStore();
  const warehouse = new RecordingWarehouse();
  const logger = new Logger({ serviceName: 'report-runner', logLevel: 'SILENT' });
  const errors = jest.spyOn(logger, 'error');
  const handler = createRunnerHandler({
    runner: {
      engine,
      store,
      warehouse,
      reports,
      settings: TEST_SETTINGS,
      lakeRelation: LAKE_RELATION,
      reportConcurrency: 2,
    },
    logger,
    metrics: new Metrics({ namespace: 'test', serviceName: 'report-runner' }),
    ingestBucket: 'local-ingest',
    partitionConcurrency: 2,
    rerunDaysBack: 1,
  });
  return { handler, engine, store, warehouse, errors };
};

const partitionsQueried = (engine: FakeQueryEngine) =>
  engine.requests.map((request) => `${request.name} ${partitionQueried(reports, request)}`).sort();

describe('the runner handler on SQS batches', () => {
  it('coalesces objects of one hour, runs each partition once, and fails only the bad messages', async () => {
    const { handler, engine, store, errors } = setup();
    const response = (await handler(
      loadEvent<SQSEvent>('sqs-mixed-batch.json'),
      context,
    )) as SQSBatchResponse;

    // The truncated body and the stray key are reported back (and end in the DLQ after maxReceiveCount).
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: messageId(4) },
      { itemIdentifier: messageId(5) },
    ]);
    expect(errors).toHaveBeenCalledWith(
      'message rejected',
      expect.objectContaining({ messageId: messageId(4), reason: 'invalid_json' }),
    );
    expect(errors).toHaveBeenCalledWith(
      'message rejected',
      expect.objectContaining({ messageId: messageId(5), reason: 'key_outside_layout' }),
    );

    // Two EventBridge objects of hour 10 and one classic notification of hour 11: two runs of every report.
    expect(engine.requests).toHaveLength(2 * reports.length);
    expect(new Set(partitionsQueried(engine).map((line) => line.split(' ')[1]))).toEqual(
      new Set(['2026-03-01/10', '2026-03-01/11']),
    );
    const manifest = store.json(
      reportOutputKeys('device_hourly_stats', { dt: '2026-03-01', hour: '10' }).runManifest,
    ) as RunManifest;
    expect(manifest.sources).toEqual([
      's3://local-ingest/raw/dt=2026-03-01/hour=10/ingest-transform-local-lake-1-2026-03-01-10-16-40-5b1f.parquet',
      's3://local-ingest/raw/dt=2026-03-01/hour=10/ingest-transform-local-lake-1-2026-03-01-10-17-41-9c2e.parquet',
    ]);
  });

  it('turns a throttled partition into failures of exactly the messages that wait on it', async () => {
    const { handler, engine } = setup();
    const event = loadEvent<SQSEvent>('sqs-mixed-batch.json');
    event.Records = event.Records.slice(0, 3);
    const run = engine.run.bind(engine);
    engine.run = async (request) => {
      if (request.name === 'site_hourly_summary' && request.parameters.at(-1) === '11') {
        throw new QueryEngineError('Athena start site_hourly_summary: TooManyRequestsException', true);
      }
      return run(request);
    };
    const response = (await handler(event, context)) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: messageId(3) }]);
  });

  it('answers a batch whose every message fails with the full list instead of throwing', async () => {
    const { handler, warehouse } = setup();
    warehouse.failWith = new Error('warehouse unavailable');
    const event = loadEvent<SQSEvent>('sqs-object-created.json');
    await expect(handler(event, context)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: messageId(1) }],
    });
  });

  it('runs a re-run request from the queue like new objects', async () => {
    const { handler, engine } = setup();
    const response = (await handler(
      loadEvent<SQSEvent>('sqs-rerun-request.json'),
      context,
    )) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect(engine.requests).toHaveLength(reports.length);
  });

  it('acknowledges the S3 test event without running anything', async () => {
    const { handler, engine } = setup();
    const event = loadEvent<SQSEvent>('sqs-object-created.json');
    event.Records[0]!.body = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Bucket: 'local-ingest',
    });
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    expect(engine.requests).toEqual([]);
  });
});

describe('the runner handler on the daily schedule', () => {
  it('re-runs every hour of the previous UTC day', async () => {
    const { handler, engine } = setup();
    const summary = (await handler(loadEvent('scheduled-rerun.json'), context)) as RerunSummary;
    expect(summary).toEqual({ dt: '2026-03-01', partitions: 24, reports: 24 * reports.length });
    expect(new Set(engine.requests.map((request) => partitionQueried(reports, request)))).toHaveProperty(
      'size',
      24,
    );
  });

  it('fails the invocation (retried, then dead-lettered) naming the partitions that failed', async () => {
    const { handler, engine } = setup();
    const run = engine.run.bind(engine);
    engine.run = async (request) => {
      if (request.parameters.at(-1) === '07') throw new QueryEngineError('FAILED', false);
      return run(request);
    };
    await expect(handler(loadEvent('scheduled-rerun.json'), context)).rejects.toThrow(
      'Re-run of 1 of 24 partitions failed: dt=2026-03-01/hour=07',
    );
  });
});

it('refuses events it does not understand', async () => {
  const { handler } = setup();
  await expect(handler({ hello: 'world' }, context)).rejects.toThrow(/Unsupported event/);
});
