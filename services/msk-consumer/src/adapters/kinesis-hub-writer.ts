import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubWriteError, type HubRecord, type HubWriter, type HubWriteStats } from '../domain/ports';
import { chunkForPutRecords, PUT_RECORDS_LIMITS, type PutRecordsLimits } from './put-records-limits';

export interface RetryPolicy {
  /** Cap of the first retry's delay; it doubles on every further attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 3000 };

/**
 * Exponential backoff with full jitter: a uniformly random delay below the exponential cap, so
 * concurrent consumers throttled together do not retry together.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export const fullJitterDelay = (
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number => Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const systemClock: Clock = { now: Date.now, sleep: (ms) => sleep(ms) };

// Whole-request failures that a later attempt can fix: throttling, server faults, the network.
// Anything else (AccessDenied, ResourceNotFound, a disabled KMS key, a validation or programming
// error) fails fast: waiting will not change it.
const RETRYABLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'LimitExceededException',
  'ThrottlingException',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'AbortError',
]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const isRetryable = (error: unknown): boolean => {
  const { name, code, $fault, $retryable } = (error ?? {}) as {
    name?: string;
    code?: string;
    $fault?: string;
    $retryable?: unknown;
  };
  return (
    Boolean($retryable) ||
    $fault === 'server' ||
    (name !== undefined && RETRYABLE_ERRORS.has(name)) ||
    (code !== undefined && NETWORK_ERROR_CODES.has(code))
  );
};

const describeFailures = (codes: (string | undefined)[]): string => {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code ?? 'unknown', (counts.get(code ?? 'unknown') ?? 0) + 1);
  return [...counts].map(([code, count]) => `${code} x${count}`).join(', ');
};

export interface KinesisHubWriterOptions {
  client: KinesisClient;
  streamName: string;
  limits?: PutRecordsLimits;
  retry?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
}

/**
 * The hub port on Kinesis PutRecords. Requests are sent one after the other (a device's records
 * keep their order across requests); in each, only the entries that failed are retried, with
 * exponential backoff and full jitter, until the deadline. Then it throws `HubWriteError`.
 *
 * PutRecords is not atomic: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 * "A successfully processed record includes ShardId and SequenceNumber values... An unsuccessfully
 * processed record includes ErrorCode and ErrorMessage values" and `FailedRecordCount` counts them.
 * A retried entry can land after a later record of the same device; consumers order by `event_time`.
 */
export class KinesisHubWriter implements HubWriter {
  private readonly limits: PutRecordsLimits;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: KinesisHubWriterOptions) {
    this.limits = options.limits ?? PUT_RECORDS_LIMITS;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  async put(records: readonly HubRecord[], { deadlineMs }: { deadlineMs: number }): Promise<HubWriteStats> {
    const stats: HubWriteStats = { requests: 0, retriedEntries: 0 };
    const chunks = chunkForPutRecords(records, this.limits);
    for (const [index, chunk] of chunks.entries()) {
      const later = chunks.slice(index + 1).reduce((total, next) => total + next.length, 0);
      await this.putChunk(chunk, deadlineMs, stats, later);
    }
    return stats;
  }

  private async putChunk(
    chunk: HubRecord[],
    deadlineMs: number,
    stats: HubWriteStats,
    later: number,
  ): Promise<void> {
    let pending = chunk;
    for (let attempt = 0; ; attempt += 1) {
      const remainingMs = deadlineMs - this.clock.now();
      if (remainingMs <= 0) {
        throw new HubWriteError(
          `time budget spent with ${pending.length + later} records unwritten`,
          stats,
          pending.length + later,
        );
      }
      stats.requests += 1;
      let failure: string;
      try {
        const response = await this.options.client.send(
          new PutRecordsCommand({ StreamName: this.options.streamName, Records: pending.map(toEntry) }),
          // Never wait on one request past the deadline: the invocation must fail in time to be retried.
          { abortSignal: AbortSignal.timeout(Math.ceil(remainingMs)) },
        );
        // Results come in request order. An entry without a sequence number counts as failed:
        // never assume a write that was not confirmed.
        const failed = pending
          .map((record, entry) => ({ record, result: response.Records?.[entry] }))
          .filter(({ result }) => !result?.SequenceNumber);
        if (failed.length === 0) return;
        failure = `${failed.length} of ${pending.length} entries failed (${describeFailures(failed.map(({ result }) => result?.ErrorCode))})`;
        pending = failed.map(({ record }) => record);
      } catch (error) {
        if (!isRetryable(error)) {
          throw new HubWriteError(`PutRecords refused: ${String(error)}`, stats, pending.length + later, {
            cause: error,
          });
        }
        failure = `PutRecords failed: ${String(error)}`;
      }
      const delayMs = fullJitterDelay(attempt, this.retry, this.random);
      if (this.clock.now() + delayMs >= deadlineMs) {
        throw new HubWriteError(
          `hub unavailable within the time budget after ${attempt + 1} attempts: ${failure}`,
          stats,
          pending.length + later,
        );
      }
      stats.retriedEntries += pending.length;
      await this.clock.sleep(delayMs);
    }
  }
}

const toEntry = (record: HubRecord): PutRecordsRequestEntry => ({
  PartitionKey: record.partitionKey,
  Data: record.data,
});
