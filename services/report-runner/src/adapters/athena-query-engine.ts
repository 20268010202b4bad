import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type Row,
} from '@aws-sdk/client-athena';
import type { WarehouseValue } from '@pipeline/shared/warehouse';
import { QueryEngineError } from '../domain/errors';
import { executionParameter } from '../domain/portable-sql';
import type { QueryEngine, QueryRequest, QueryResult, ResultRow } from '../domain/ports';

export interface AthenaQueryEngineOptions {
  client: AthenaClient;
  /** The workgroup enforces the output location and the bytes-scanned cutoff. */
  workGroup: string;
  /** Glue database the query runs in. */
  database: string;
  /** Polling of GetQueryExecution: first delay, growth factor, longest delay (ms). */
  poll?: { initialDelayMs: number; factor: number; maxDelayMs: number };
  /** Give up (and stop the query) after this long (ms). */
  deadlineMs?: number;
  /** Attempts for calls rejected with throttling, with exponential backoff from `poll.initialDelayMs`. */
  maxThrottleAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

// Athena answers throttling with TooManyRequestsException (API rate, or the account's concurrent
// query quota); the SDK's generic throttling names are included for completeness.
// https://docs.aws.amazon.com/athena/latest/APIReference/CommonErrors.html
const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
]);
const SERVER_ERRORS = new Set(['InternalServerException', 'ServiceUnavailableException']);

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const DECIMAL_TYPES = new Set(['double', 'float', 'real', 'decimal']);

/** GetQueryResults gives every value as text; typed by the column's Athena type. */
export const athenaValue = (text: string | undefined, column: ColumnInfo): WarehouseValue => {
  if (text === undefined) return null;
  const type = (column.Type ?? 'varchar').toLowerCase();
  if (INTEGER_TYPES.has(type)) {
    const number = Number(text);
    if (!Number.isSafeInteger(number))
      throw new QueryEngineError(`${column.Name}: ${text} is not a safe integer`, false);
    return number;
  }
  if (DECIMAL_TYPES.has(type)) {
    if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return null;
    return Number(text);
  }
  if (type === 'boolean') return text === 'true';
  if (type.startsWith('timestamp')) {
    // Athena prints `2026-03-01 10:15:00.123`; pad or cut the fraction to milliseconds.
    const [seconds = '', fraction = ''] = text.split('.');
    return `${seconds.slice(0, 19)}.${fraction.replace(/\D.*$/, '').padEnd(3, '0').slice(0, 3)}`;
  }
  return text;
};

/**
 * The report-runner's `QueryEngine` on Amazon Athena (engine v3): StartQueryExecution in the
 * workgroup with `ExecutionParameters`, GetQueryExecution polled with capped exponential backoff
 * until SUCCEEDED or the deadline, then GetQueryResults paged (1,000 rows per page).
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html
 */
export class AthenaQueryEngine implements QueryEngine {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly poll: { initialDelayMs: number; factor: number; maxDelayMs: number };
  private readonly deadlineMs: number;
  private readonly maxThrottleAttempts: number;

  constructor(private readonly options: AthenaQueryEngineOptions) {
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.poll = options.poll ?? { initialDelayMs: 200, factor: 2, maxDelayMs: 5000 };
    this.deadlineMs = options.deadlineMs ?? 5 * 60 * 1000;
    this.maxThrottleAttempts = options.maxThrottleAttempts ?? 5;
  }

  async run({ name, sql, parameters }: QueryRequest): Promise<QueryResult> {
    const started = await this.call(`start ${name}`, () =>
      this.options.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.options.workGroup,
          QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: this.options.database },
          ...(parameters.length > 0 ? { ExecutionParameters: parameters.map(executionParameter) } : {}),
        }),
      ),
    );
    const queryId = started.QueryExecutionId;
    if (!queryId) throw new QueryEngineError(`${name}: Athena returned no query execution id`, true);
    const execution = await this.waitFor(name, queryId);
    const { columns, rows } = await this.results(name, queryId);
    const statistics = execution.QueryExecution?.Statistics;
    return {
      engine: 'athena',
      queryId,
      columns: columns.map((column) => ({
        name: column.Name ?? '',
        type: (column.Type ?? '').toLowerCase(),
      })),
      rows,
      bytesScanned: statistics?.DataScannedInBytes ?? 0,
      engineMillis: statistics?.EngineExecutionTimeInMillis ?? 0,
    };
  }

  private async waitFor(name: string, queryId: string): Promise<GetQueryExecutionCommandOutput> {
    const deadline = this.now() + this.deadlineMs;
    let delay = this.poll.initialDelayMs;
    for (;;) {
      const execution = await this.call(`poll ${name}`, () =>
        this.options.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })),
      );
      const status = execution.QueryExecution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return execution;
        case 'FAILED': {
          const error = status.AthenaError;
          const reason = status.StateChangeReason ?? error?.ErrorMessage ?? 'no reason given';
          throw new QueryEngineError(
            `${name}: Athena query ${queryId} FAILED: ${reason}`,
            error?.Retryable === true,
          );
        }
        case 'CANCELLED':
          throw new QueryEngineError(
            `${name}: Athena query ${queryId} was CANCELLED: ${status.StateChangeReason ?? 'no reason given'}`,
            true,
          );
        default:
          if (this.now() + delay > deadline) {
            await this.options.client
              .send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }))
              .catch(() => undefined);
            throw new QueryEngineError(
              `${name}: Athena query ${queryId} still ${status?.State ?? 'unknown'} after ${this.deadlineMs} ms: stopped`,
              true,
            );
          }
          await this.sleep(delay);
          delay = Math.min(this.poll.maxDelayMs, delay * this.poll.factor);
      }
    }
  }

  private async results(
    name: string,
    queryId: string,
  ): Promise<{ columns: ColumnInfo[]; rows: ResultRow[] }> {
    let columns: ColumnInfo[] | undefined;
    const rows: ResultRow[] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      const token = nextToken;
      const page = await this.call(`results ${name}`, () =>
        this.options.client.send(
          new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: 1000, NextToken: token }),
        ),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const pageRows: Row[] = page.ResultSet?.Rows ?? [];
      // For a SELECT the first row of the first page repeats the column names.
      for (const row of first ? pageRows.slice(1) : pageRows) {
        const cells = row.Data ?? [];
        rows.push(
          Object.fromEntries(
            columns.map((column, index) => [
              column.Name ?? '',
              athenaValue(cells[index]?.VarCharValue, column),
            ]),
          ),
        );
      }
      first = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return { columns: columns ?? [], rows };
  }

  /** One API call, retried with backoff while Athena throttles; errors become QueryEngineErrors. */
  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    let delay = this.poll.initialDelayMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send();
      } catch (error) {
        const errorName = error instanceof Error ? error.name : '';
        const message = error instanceof Error ? error.message : String(error);
        const throttled = THROTTLING.has(errorName);
        if (throttled && attempt < this.maxThrottleAttempts) {
          await this.sleep(delay);
          delay = Math.min(this.poll.maxDelayMs, delay * this.poll.factor);
          continue;
        }
        throw new QueryEngineError(
          `Athena ${what}: ${errorName || 'Error'}: ${message}${throttled ? ` (throttled ${attempt} times)` : ''}`,
          throttled || SERVER_ERRORS.has(errorName),
          { cause: error },
        );
      }
    }
  }
}
