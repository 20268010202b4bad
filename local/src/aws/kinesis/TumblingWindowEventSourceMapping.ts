import { earliest, type Clock } from '../clock';
import { LOCAL_ENVIRONMENT, uuidFrom, type AwsEnvironment } from '../environment';
import {
  LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
  LambdaInvoker,
  type FunctionSettings,
  type LambdaHandler,
} from '../lambda/invoke';
import { batchingWindowDueAt } from '../lambda/batching-window';
import { kinesisBatchFailure, type KinesisBatchFailure } from './kinesis-batch-failure';
import type { KinesisStream } from './KinesisStream';
import type { StoredRecord } from './Shard';
import { StreamReader, type StartingPosition } from './StreamReader';
import {
  parseTumblingWindowResponse,
  TUMBLING_WINDOW_STATE_LIMIT_BYTES,
  tumblingWindowEvent,
  type KinesisTumblingWindowEvent,
} from './tumbling-window-event';

export interface TumblingWindowMappingOptions extends FunctionSettings {
  stream: KinesisStream;
  handler: LambdaHandler<KinesisTumblingWindowEvent>;
  clock: Clock;
  environment?: AwsEnvironment;
  /** 1-900 s. */
  tumblingWindowInSeconds: number;
  /** 1-10,000, default 100. */
  batchSize?: number;
  /** 0-300 s, default 0. */
  maximumBatchingWindowInSeconds?: number;
  /**
   * How often the poller reads each shard, simulated ms (default 0: records are seen the instant
   * they arrive). Lambda reads a standard-iterator shard once per second, and with enhanced fan-out
   * the records that arrive while an invocation runs make the next batch; simulated invocations
   * take no time, so without a cadence every record would be a batch of its own.
   * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#kinesis-polling-and-batching
   */
  pollIntervalMs?: number;
  startingPosition?: StartingPosition;
  bisectBatchOnFunctionError?: boolean;
  /** -1 (default): retry until the records expire from the stream. */
  maximumRetryAttempts?: number;
  /** -1 (default) or 60-604,800 s: older records are given up once they fail. */
  maximumRecordAgeInSeconds?: number;
  functionResponseType?: 'ReportBatchItemFailures';
  onFailure?: (failure: KinesisBatchFailure) => Promise<void>;
  /**
   * Asked after every successful invocation: true discards its outcome (no checkpoint, no new
   * state), so the same records, or the same final invocation, are delivered again with the state
   * of before, as when a checkpoint is lost ("Lambda event source mappings process each event at
   * least once"). Used for injected faults.
   * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html
   */
  redeliver?: (delivery: {
    shardId: string;
    windowStart: number;
    firstSequenceNumber: string | undefined;
  }) => boolean;
}

export interface TumblingWindowStats {
  invocations: number;
  /** Successful invocations whose outcome was discarded and delivered again (`redeliver`). */
  redelivered: number;
  failedInvocations: number;
  finalInvocations: number;
  windowsTerminatedEarly: number;
  recordsDiscarded: number;
}

interface Window {
  start: number;
  end: number;
  /**
   * The state as the last response returned it, serialised: each invocation gets a fresh parse
   * of it (so nothing a failed invocation did to its copy is seen again), and its size is
   * measured once (it is read for every batch).
   */
  stateJson: string;
  stateBytes: number;
}

interface ShardProgress {
  window: Window | undefined;
  /** A final invocation is owed for the window (at its end, or early because the state grew too big). */
  finalOwed: { terminatedEarly: boolean } | undefined;
  attempts: number;
  retryAt: number | undefined;
  batchOpenedAt: number | undefined;
  /** After a bisect: the batch-size cap, until the records of the failed batch are behind us. */
  bisect: { size: number; untilSequenceNumber: string } | undefined;
}

const retryDelayMs = (attempt: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));

/**
 * Lambda's Kinesis event source mapping with tumbling windows, one shard at a time in order (the
 * parallelization factor is 1): windows aligned to the epoch on record arrival time, the state
 * carried from invocation to invocation, a final invocation (no records, `isFinalInvokeForWindow`)
 * when the window closes, an early termination when the state exceeds 1 MB, and Lambda's error
 * handling (batch item failures, bisect on error, retries, record age, on-failure destination).
 * Delivery is at least once: a failed batch is delivered again.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 */
export class TumblingWindowEventSourceMapping {
  readonly reader: StreamReader;
  readonly stats: TumblingWindowStats = {
    invocations: 0,
    failedInvocations: 0,
    finalInvocations: 0,
    windowsTerminatedEarly: 0,
    recordsDiscarded: 0,
    redelivered: 0,
  };
  readonly #options: TumblingWindowMappingOptions;
  readonly #invoker: LambdaInvoker;
  readonly #environment: AwsEnvironment;
  readonly #windowMs: number;
  readonly #batchSize: number;
  readonly #batchingWindowMs: number;
  readonly #pollIntervalMs: number;
  readonly #progress = new Map<string, ShardProgress>();

  constructor(options: TumblingWindowMappingOptions) {
    const window = options.tumblingWindowInSeconds;
    if (!Number.isInteger(window) || window < 1 || window > 900) {
      throw new RangeError(`TumblingWindowInSeconds must be 1-900, got ${window}`);
    }
    const batchSize = options.batchSize ?? 100;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new RangeError(`BatchSize must be 1-10000 for Kinesis, got ${batchSize}`);
    }
    const batchingWindow = options.maximumBatchingWindowInSeconds ?? 0;
    if (batchingWindow < 0 || batchingWindow > 300)
      throw new RangeError('MaximumBatchingWindowInSeconds must be 0-300');
    const retries = options.maximumRetryAttempts ?? -1;
    if (!Number.isInteger(retries) || retries < -1 || retries > 10_000)
      throw new RangeError('MaximumRetryAttempts must be -1 or 0-10000');
    const age = options.maximumRecordAgeInSeconds ?? -1;
    if (age !== -1 && (age < 60 || age > 604_800))
      throw new RangeError('MaximumRecordAgeInSeconds must be -1 or 60-604800');
    this.#options = options;
    this.#environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.#invoker = new LambdaInvoker(options, this.#environment, options.clock);
    this.#windowMs = window * 1000;
    this.#batchSize = batchSize;
    this.#batchingWindowMs = batchingWindow * 1000;
    const pollInterval = options.pollIntervalMs ?? 0;
    if (!Number.isInteger(pollInterval) || pollInterval < 0)
      throw new RangeError('pollIntervalMs must be a non-negative integer');
    this.#pollIntervalMs = pollInterval;
    this.reader = new StreamReader(
      options.stream,
      `lambda:${options.functionName}`,
      options.startingPosition ?? 'TRIM_HORIZON',
    );
  }

  /** Invokes the function for everything due now, shard by shard; returns the number of invocations. */
  async poll(): Promise<number> {
    let invocations = 0;
    for (const shardId of this.#activeShards()) {
      for (;;) {
        const step = await this.#step(shardId);
        if (step === 'idle') break;
        invocations += 1;
        if (step === 'failed') break;
      }
    }
    return invocations;
  }

  /** The next instant at which `poll` has work (a window closing, a retry, a batching window). */
  nextDueAt(): number | undefined {
    const now = this.#options.clock.now();
    let next: number | undefined;
    for (const shardId of this.#activeShards()) {
      const progress = this.#progressOf(shardId);
      if (progress.retryAt !== undefined) {
        next = earliest(next, progress.retryAt);
        continue;
      }
      if (progress.finalOwed) next = earliest(next, now);
      if (progress.window) next = earliest(next, progress.window.end);
      const head = this.reader.next(shardId);
      if (head) {
        const visible = this.#visibleAt(head.approximateArrivalTimestamp);
        next = earliest(
          next,
          Math.max(visible, batchingWindowDueAt(progress.batchOpenedAt, visible, this.#batchingWindowMs)),
        );
      }
    }
    return next;
  }

  /** Records not yet processed (checkpointed) across shards. */
  lag(): number {
    return this.reader.lag();
  }

  #activeShards(): string[] {
    const readable = this.reader.readableShards();
    let shards: string[] | undefined;
    // A shard read to its end may still owe the final invocation of its last window.
    for (const [shardId, progress] of this.#progress)
      if ((progress.window || progress.finalOwed) && !readable.includes(shardId))
        (shards ??= [...readable]).push(shardId);
    return shards ?? readable;
  }

  #progressOf(shardId: string): ShardProgress {
    let progress = this.#progress.get(shardId);
    if (!progress) {
      progress = {
        window: undefined,
        finalOwed: undefined,
        attempts: 0,
        retryAt: undefined,
        batchOpenedAt: undefined,
        bisect: undefined,
      };
      this.#progress.set(shardId, progress);
    }
    return progress;
  }

  async #step(shardId: string): Promise<'idle' | 'invoked' | 'failed'> {
    const now = this.#options.clock.now();
    const progress = this.#progressOf(shardId);
    if (progress.retryAt !== undefined && now < progress.retryAt) return 'idle';
    if (progress.finalOwed && progress.window) return this.#invokeFinal(shardId, progress, progress.window);

    const cap = progress.bisect?.size ?? this.#batchSize;
    const readable = this.#readable(shardId);
    const pending = readable ? this.#peek(shardId, cap, progress.window) : [];
    const first = pending[0];
    if (progress.window) {
      // A record the poller has not read yet still belongs to the window if it arrived before its end.
      const head = first ?? (readable ? this.reader.peek(shardId, 1)[0] : undefined);
      const closed = head
        ? head.approximateArrivalTimestamp >= progress.window.end
        : now >= progress.window.end;
      if (closed) {
        progress.finalOwed = { terminatedEarly: false };
        return this.#invokeFinal(shardId, progress, progress.window);
      }
    }
    if (!first) {
      progress.batchOpenedAt = undefined;
      return 'idle';
    }
    const window = progress.window ?? this.#openWindow(progress, first.approximateArrivalTimestamp);
    const batch = pending.filter((record) => record.approximateArrivalTimestamp < window.end);
    progress.batchOpenedAt ??= now;
    const complete =
      batch.length >= cap ||
      batch.length < pending.length ||
      now >= window.end ||
      progress.retryAt !== undefined ||
      now - progress.batchOpenedAt >= this.#batchingWindowMs;
    if (!complete) return 'idle';
    return this.#invokeBatch(shardId, progress, window, batch);
  }

  /** When the poller first sees a record that arrived at `arrival` (the next read at or after it). */
  #visibleAt(arrival: number): number {
    const interval = this.#pollIntervalMs;
    return interval === 0 ? arrival : Math.ceil(arrival / interval) * interval;
  }

  #readable(shardId: string): boolean {
    return this.reader.readableShards().includes(shardId);
  }

  /** Pending records under the batch cap and the 6 MB payload (base64 plus per-record envelope). */
  #peek(shardId: string, cap: number, window: Window | undefined): StoredRecord[] {
    const stateBytes = window?.stateBytes ?? 2;
    let budget = LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - stateBytes - 2048;
    const out: StoredRecord[] = [];
    // Records that arrived after the poller's last read wait for the next one.
    const now = this.#options.clock.now();
    for (const record of this.reader.peek(shardId, cap)) {
      if (this.#visibleAt(record.approximateArrivalTimestamp) > now) break;
      const cost = Math.ceil((record.data.byteLength * 4) / 3) + 600 + record.partitionKey.length;
      if (out.length > 0 && cost > budget) break;
      budget -= cost;
      out.push(record);
    }
    return out;
  }

  #openWindow(progress: ShardProgress, arrival: number): Window {
    const start = Math.floor(arrival / this.#windowMs) * this.#windowMs;
    progress.window = { start, end: start + this.#windowMs, stateJson: '{}', stateBytes: 2 };
    return progress.window;
  }

  async #invokeBatch(shardId: string, progress: ShardProgress, window: Window, batch: StoredRecord[]) {
    const event = this.#event(shardId, window, batch, { final: false, terminatedEarly: false });
    this.stats.invocations += 1;
    const outcome = await this.#invoker.invokeBuilt(this.#options.handler, event);
    const response = outcome.ok
      ? parseTumblingWindowResponse(outcome.response, batch, this.#options.functionResponseType)
      : undefined;
    if (!outcome.ok || !response) {
      return this.#failed(shardId, progress, batch, outcome.ok ? 'InvalidResponse' : outcome.errorType);
    }
    if (this.#redelivered(shardId, window, batch[0]?.sequenceNumber)) return 'invoked';
    // The state as it crossed the invoker's JSON wire (Lambda's runtime serialises the response
    // with JSON.stringify): Infinity and NaN come back as null, so the next invocation of the
    // window reads exactly what it would read in AWS.
    window.stateJson = JSON.stringify(response.state);
    window.stateBytes = Buffer.byteLength(window.stateJson);
    progress.batchOpenedAt = undefined;
    if (window.stateBytes > TUMBLING_WINDOW_STATE_LIMIT_BYTES) {
      progress.finalOwed = { terminatedEarly: true };
    }
    const failedAt =
      response.firstFailure === undefined
        ? -1
        : batch.findIndex((record) => record.sequenceNumber === response.firstFailure);
    const done = failedAt === -1 ? batch : batch.slice(0, failedAt);
    const last = done.at(-1);
    if (last) this.reader.checkpoint(shardId, last.sequenceNumber);
    if (progress.bisect && last && last.sequenceNumber >= progress.bisect.untilSequenceNumber)
      progress.bisect = undefined;
    if (failedAt === -1) {
      progress.attempts = 0;
      progress.retryAt = undefined;
      return 'invoked';
    }
    // A partial failure: Lambda retries from the first failed record (an attempt like any other).
    await this.#failed(shardId, progress, batch.slice(failedAt), 'BatchItemFailure', false);
    return 'failed';
  }

  async #invokeFinal(shardId: string, progress: ShardProgress, window: Window) {
    const terminatedEarly = progress.finalOwed?.terminatedEarly ?? false;
    const event = this.#event(shardId, window, [], { final: true, terminatedEarly });
    this.stats.invocations += 1;
    const outcome = await this.#invoker.invokeBuilt(this.#options.handler, event);
    if (!outcome.ok || !parseTumblingWindowResponse(outcome.response, [], undefined)) {
      // "If the invocation fails, your Lambda function suspends further processing until a successful invocation."
      this.stats.failedInvocations += 1;
      progress.attempts += 1;
      const maxRetries = this.#options.maximumRetryAttempts ?? -1;
      if (maxRetries >= 0 && progress.attempts > maxRetries) {
        this.#closeWindow(progress, terminatedEarly);
        return 'failed';
      }
      progress.retryAt = this.#options.clock.now() + retryDelayMs(progress.attempts);
      return 'failed';
    }
    if (this.#redelivered(shardId, window, undefined)) return 'invoked';
    this.stats.finalInvocations += 1;
    if (terminatedEarly) this.stats.windowsTerminatedEarly += 1;
    this.#closeWindow(progress, terminatedEarly);
    return 'invoked';
  }

  #redelivered(shardId: string, window: Window, firstSequenceNumber: string | undefined): boolean {
    if (!this.#options.redeliver?.({ shardId, windowStart: window.start, firstSequenceNumber })) return false;
    this.stats.redelivered += 1;
    return true;
  }

  #closeWindow(progress: ShardProgress, terminatedEarly: boolean): void {
    // An early termination continues the same window with a fresh state.
    if (terminatedEarly && progress.window) {
      progress.window.stateJson = '{}';
      progress.window.stateBytes = 2;
    } else progress.window = undefined;
    progress.finalOwed = undefined;
    progress.attempts = 0;
    progress.retryAt = undefined;
  }

  async #failed(
    shardId: string,
    progress: ShardProgress,
    batch: StoredRecord[],
    error: string,
    countFailure = true,
  ) {
    if (countFailure) this.stats.failedInvocations += 1;
    progress.attempts += 1;
    const now = this.#options.clock.now();
    const maxRetries = this.#options.maximumRetryAttempts ?? -1;
    const maxAge = this.#options.maximumRecordAgeInSeconds ?? -1;
    const first = batch[0] as StoredRecord;
    const tooOld = maxAge >= 0 && now - first.approximateArrivalTimestamp > maxAge * 1000;
    if (this.#options.bisectBatchOnFunctionError && batch.length > 1 && !tooOld && countFailure) {
      progress.bisect = {
        size: Math.ceil(batch.length / 2),
        untilSequenceNumber: (batch.at(-1) as StoredRecord).sequenceNumber,
      };
    }
    if (tooOld || (maxRetries >= 0 && progress.attempts > maxRetries)) {
      await this.#options.onFailure?.(this.#failure(shardId, batch, progress.attempts, error, tooOld));
      this.stats.recordsDiscarded += batch.length;
      this.reader.checkpoint(shardId, (batch.at(-1) as StoredRecord).sequenceNumber);
      progress.attempts = 0;
      progress.retryAt = undefined;
      progress.bisect = undefined;
      return 'failed' as const;
    }
    progress.retryAt = now + retryDelayMs(progress.attempts);
    return 'failed' as const;
  }

  #event(
    shardId: string,
    window: Window,
    records: StoredRecord[],
    { final, terminatedEarly }: { final: boolean; terminatedEarly: boolean },
  ): KinesisTumblingWindowEvent {
    return tumblingWindowEvent({
      records,
      shardId,
      streamArn: this.#options.stream.arn,
      window: { start: window.start, end: window.end, state: JSON.parse(window.stateJson) },
      final,
      terminatedEarly,
      functionName: this.#options.functionName,
      environment: this.#environment,
    });
  }

  #failure(
    shardId: string,
    batch: StoredRecord[],
    attempts: number,
    error: string,
    tooOld: boolean,
  ): KinesisBatchFailure {
    const first = batch[0] as StoredRecord;
    return kinesisBatchFailure({
      requestId: uuidFrom('kinesis-failure', this.#invoker.arn, shardId, first.sequenceNumber),
      functionArn: this.#invoker.arn,
      shardId,
      streamArn: this.#options.stream.arn,
      batch,
      attempts,
      error,
      tooOld,
      now: this.#options.clock.now(),
    });
  }
}
