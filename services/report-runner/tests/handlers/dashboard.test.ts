import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  WarehouseUnavailableError,
  type ReadableWarehouse,
  type SelectRequest,
} from '@pipeline/shared/warehouse';
import { DASHBOARD_KEY, reportRowsDashboardSource } from '@pipeline/dashboard';
import { lambdaContext } from '@pipeline/shared/testing';
import type { SQSEvent } from 'aws-lambda';
import {
  REALTIME_LOOKBACK_HOURS,
  realtimeRelations,
  realtimeTablesReader,
  reportOutputsReader,
} from '../../src/domain/dashboard-stores';
import type { ObjectReader, QueryEngine } from '../../src/domain/ports';
import { LAKE_RELATION } from '../../src/domain/report-definition';
import { createRunnerHandler } from '../../src/handlers/runner-handler';
import { loadReports } from '../../src/reports';
import { TEST_SETTINGS } from '../support/expected';
import { FakeQueryEngine, loadEvent, MemoryObjectStore, RecordingWarehouse } from '../support/fakes';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const reports = loadReports();
const context = lambdaContext('report-runner-test-runner', 300_000);

/** A warehouse the dashboard reads: every table is there, with the rows a test gives it. */
class ReadingWarehouse extends RecordingWarehouse implements ReadableWarehouse {
  readonly selects: SelectRequest[] = [];
  failSelectWith: Error | undefined;

  async select(request: SelectRequest) {
    this.selects.push(request);
    if (this.failSelectWith) throw this.failSelectWith;
    return [];
  }
}

const setup = () => {
  const store = new MemoryObjectStore();
  const warehouse = new ReadingWarehouse();
  const logger = new Logger({ serviceName: 'report-runner', logLevel: 'SILENT' });
  const warnings = jest.spyOn(logger, 'warn');
  const handler = createRunnerHandler({
    runner: {
      engine: new FakeQueryEngine(reports),
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
    dashboard: { warehouse, store, environment: 'dev', clock: () => new Date('2026-03-01T10:20:00Z') },
  });
  return { handler, store, warehouse, warnings };
};

describe('the runner publishing the dashboard', () => {
  it('regenerates dashboard/index.html after the reports of a batch are loaded, last, never cached stale', async () => {
    const { handler, store, warehouse } = setup();
    expect(await handler(loadEvent<SQSEvent>('sqs-object-created.json'), context)).toEqual({
      batchItemFailures: [],
    });
    expect(store.puts.at(-1)).toBe(DASHBOARD_KEY);
    const page = store.objects.get(DASHBOARD_KEY)!;
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.options).toEqual({ cacheControl: 'no-cache' });
    expect(page.body).toMatch(/^<!doctype html>/);
    expect(page.body).toContain('Ingestion pipeline (dev)');
    // Loads first, then reads.
    expect(warehouse.replaced).toHaveLength(reports.length);
    expect(warehouse.selects.length).toBeGreaterThan(0);
  });

  it('regenerates it after the daily re-run too', async () => {
    const { handler, store } = setup();
    await handler(loadEvent('scheduled-rerun.json'), context);
    expect(store.puts.filter((key) => key === DASHBOARD_KEY)).toHaveLength(1);
  });

  it('leaves it alone when no partition was reported', async () => {
    const { handler, store, warehouse } = setup();
    warehouse.failWith = new WarehouseUnavailableError('resuming');
    const event = loadEvent<SQSEvent>('sqs-object-created.json');
    expect(await handler(event, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }],
    });
    expect(store.objects.has(DASHBOARD_KEY)).toBe(false);
    expect(warehouse.selects).toEqual([]);
  });

  it('does not fail the batch when the dashboard cannot be published: the reports are loaded', async () => {
    const { handler, store, warehouse, warnings } = setup();
    warehouse.failSelectWith = new WarehouseUnavailableError('too many connections');
    expect(await handler(loadEvent<SQSEvent>('sqs-object-created.json'), context)).toEqual({
      batchItemFailures: [],
    });
    expect(store.objects.has(DASHBOARD_KEY)).toBe(false);
    expect(warnings).toHaveBeenCalledWith(
      'dashboard not published',
      expect.objectContaining({ error: expect.any(Error) }),
    );
  });
});

describe('the runner publishing the dashboard without a warehouse', () => {
  it('builds it from the report outputs it just wrote and the real-time tables, and says so', async () => {
    const store = new MemoryObjectStore();
    // The reports bucket read back: what the runner wrote in this invocation.
    const outputs: ObjectReader = {
      list: async (prefix, startAfter = '', limit = Infinity) =>
        [...store.objects.keys()]
          .filter((key) => key.startsWith(prefix) && key > startAfter)
          .sort()
          .slice(0, limit),
      get: async (key) => store.objects.get(key)?.body,
    };
    const queries: string[] = [];
    const realtime: QueryEngine = {
      run: async ({ name }) => {
        queries.push(name);
        return { engine: 'fake', queryId: name, columns: [], rows: [], bytesScanned: 0, engineMillis: 0 };
      },
    };
    const clock = () => new Date('2026-03-01T10:20:00Z');
    const handler = createRunnerHandler({
      runner: {
        engine: new FakeQueryEngine(reports),
        store,
        reports,
        settings: TEST_SETTINGS,
        lakeRelation: LAKE_RELATION,
        reportConcurrency: 2,
      },
      logger: new Logger({ serviceName: 'report-runner', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'test', serviceName: 'report-runner' }),
      ingestBucket: 'local-ingest',
      partitionConcurrency: 2,
      rerunDaysBack: 1,
      dashboard: {
        source: reportRowsDashboardSource(
          realtimeTablesReader(realtime, realtimeRelations('pipeline_dev'), {
            lookbackHours: REALTIME_LOOKBACK_HOURS,
            clock,
          }),
          reportOutputsReader(outputs),
        ),
        store,
        environment: 'dev',
        clock,
      },
    });
    expect(await handler(loadEvent<SQSEvent>('sqs-object-created.json'), context)).toEqual({
      batchItemFailures: [],
    });
    expect(store.puts.at(-1)).toBe(DASHBOARD_KEY);
    const page = store.objects.get(DASHBOARD_KEY)!.body;
    expect(page).toContain('Read from the report outputs and the real-time tables');
    // The hour the runner reported is on the page, read from its own outputs.
    expect(page).toContain('"newestReportHour":"2026-03-01 10:00"');
    expect(queries).toEqual(expect.arrayContaining(['dashboard-realtime-extent', 'dashboard-alert-count']));
  });
});
