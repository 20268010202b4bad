import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
  LoadResult,
  ReplaceRowsRequest,
  UpsertRowsRequest,
  Warehouse,
  WarehouseTable,
} from '@pipeline/shared/warehouse';
import type {
  ObjectStore,
  PutOptions,
  QueryEngine,
  QueryRequest,
  QueryResult,
  ResultRow,
} from '../../src/domain/ports';
import { queryColumns, type ReportDefinition } from '../../src/domain/report-definition';

/** A sample event from `events/` (the same files `sls invoke local` uses), cloned so tests can mutate it. */
export const loadEvent = <T = Record<string, unknown>>(name: string): T =>
  structuredClone(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', name), 'utf8')) as T);

/** The reports bucket in memory. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: string; contentType: string; options?: PutOptions }>();
  readonly puts: string[] = [];

  async put(key: string, body: string, contentType: string, options?: PutOptions): Promise<void> {
    this.puts.push(key);
    this.objects.set(key, { body, contentType, ...(options ? { options } : {}) });
  }

  uri(key: string): string {
    return `s3://reports-bucket/${key}`;
  }

  json(key: string): unknown {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return JSON.parse(object.body);
  }
}

/**
 * A query engine answering every report with rows made from its header (one row per call unless
 * `rowsFor` says otherwise), recording each request. `failWith` makes a report's query fail.
 */
export class FakeQueryEngine implements QueryEngine {
  readonly requests: QueryRequest[] = [];
  failWith = new Map<string, Error>();

  constructor(
    private readonly reports: readonly ReportDefinition[],
    private readonly rowsFor: (
      report: ReportDefinition,
      parameters: QueryRequest['parameters'],
    ) => ResultRow[] = (report, parameters) => [
      sampleRow(
        report,
        String(parameters[report.parameters.indexOf('dt')]),
        String(parameters[report.parameters.indexOf('hour')]),
      ),
    ],
  ) {}

  async run(request: QueryRequest): Promise<QueryResult> {
    this.requests.push(request);
    const failure = this.failWith.get(request.name);
    if (failure) throw failure;
    const report = this.reports.find(({ name }) => name === request.name);
    if (!report) throw new Error(`unknown report ${request.name}`);
    return {
      engine: 'fake',
      queryId: `q-${this.requests.length}`,
      columns: queryColumns(report).map(({ name, type }) => ({ name, type })),
      rows: this.rowsFor(report, request.parameters),
      bytesScanned: 1024,
      engineMillis: 5,
    };
  }
}

/** The partition a recorded request queried: its `dt` and `hour` parameters, as `dt/hour`. */
export const partitionQueried = (reports: readonly ReportDefinition[], request: QueryRequest): string => {
  const names = reports.find(({ name }) => name === request.name)?.parameters ?? [];
  return `${request.parameters[names.indexOf('dt')]}/${request.parameters[names.indexOf('hour')]}`;
};

/** One row of a report's query (the runner adds dt and hour), every column a value of its type. */
export const sampleRow = (report: ReportDefinition, dt: string, hour: string): ResultRow =>
  Object.fromEntries(
    queryColumns(report).map(({ name, type }) => {
      switch (type) {
        case 'string':
          return [name, `${name}-1`];
        case 'timestamp':
          return [name, `${dt} ${hour}:15:00.000`];
        case 'date':
          return [name, dt];
        case 'boolean':
          return [name, true];
        default:
          return [name, 1];
      }
    }),
  );

/** A warehouse that records its calls. */
export class RecordingWarehouse implements Warehouse {
  readonly replaced: ReplaceRowsRequest[] = [];
  readonly upserted: UpsertRowsRequest[] = [];
  failWith: Error | undefined;

  async ensureTable(_table: WarehouseTable): Promise<void> {}

  async replaceRows(request: ReplaceRowsRequest): Promise<LoadResult> {
    if (this.failWith) throw this.failWith;
    this.replaced.push(request);
    return { table: request.table.name, deleted: 0, inserted: request.rows.length };
  }

  async upsertRows(request: UpsertRowsRequest): Promise<LoadResult> {
    this.upserted.push(request);
    return { table: request.table.name, deleted: 0, inserted: request.rows.length };
  }

  async close(): Promise<void> {}
}
