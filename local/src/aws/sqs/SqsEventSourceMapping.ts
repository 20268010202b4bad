import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { earliest, type Clock } from '../clock';
import { LOCAL_ENVIRONMENT, type AwsEnvironment } from '../environment';
import {
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
  LambdaInvoker,
  type FunctionSettings,
  type InvokeOutcome,
  type LambdaHandler,
} from '../lambda/invoke';
import { batchingWindowDueAt } from '../lambda/batching-window';
import type { ReceivedMessage, SqsQueue } from './SqsQueue';

export interface SqsEventSourceMappingOptions extends FunctionSettings {
  queue: SqsQueue;
  handler: LambdaHandler<SQSEvent, SQSBatchResponse | void>;
  clock: Clock;
  environment?: AwsEnvironment;
  /** 1-10,000, default 10. */
  batchSize?: number;
  /** 0-300 s, default 0; a batch size above 10 needs at least 1 s. */
  maximumBatchingWindowInSeconds?: number;
  functionResponseType?: 'ReportBatchItemFailures';
  /**
   * Lets an invocation run while the rest of the cloud moves on, as it does in AWS: `poll` starts
   * it and returns, and its batch stays in flight until it is settled (see {@link settle}). One
   * invocation at a time. Off, `poll` waits for every invocation it starts.
   */
  background?: boolean;
}

export interface SqsMappingStats {
  invocations: number;
  failedInvocations: number;
  deleted: number;
  returnedToQueue: number;
}

/**
 * Lambda's SQS poller: gathers visible messages into a batch (batch size, batching window, 6 MB
 * payload), invokes the handler with the exact SQS event, deletes what succeeded and leaves the
 * rest to reappear after the visibility timeout (and eventually move to the DLQ).
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class SqsEventSourceMapping {
  readonly #options: SqsEventSourceMappingOptions;
  readonly #invoker: LambdaInvoker;
  readonly #environment: AwsEnvironment;
  readonly #batchSize: number;
  readonly #windowMs: number;
  readonly #timeoutMs: number;
  #windowOpenedAt: number | undefined;
  #inFlight: InFlight | undefined;
  readonly stats: SqsMappingStats = { invocations: 0, failedInvocations: 0, deleted: 0, returnedToQueue: 0 };

  constructor(options: SqsEventSourceMappingOptions) {
    const batchSize = options.batchSize ?? 10;
    const window = options.maximumBatchingWindowInSeconds ?? 0;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new RangeError(`BatchSize must be between 1 and 10000 for SQS, got ${batchSize}`);
    }
    if (!Number.isInteger(window) || window < 0 || window > 300) {
      throw new RangeError(`MaximumBatchingWindowInSeconds must be between 0 and 300, got ${window}`);
    }
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#services-sqs-batching
    if (batchSize > 10 && window < 1) {
      throw new RangeError('A batch size above 10 requires MaximumBatchingWindowInSeconds of at least 1');
    }
    // Lambda refuses the mapping when the queue would redeliver a message the function is still
    // working on. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    const timeout = options.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS;
    if (options.queue.visibilityTimeoutSeconds < timeout) {
      throw new RangeError(
        `Queue visibility timeout: ${options.queue.visibilityTimeoutSeconds} seconds is less than Function timeout: ${timeout} seconds`,
      );
    }
    this.#options = options;
    this.#environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.#invoker = new LambdaInvoker(options, this.#environment, options.clock);
    this.#batchSize = batchSize;
    this.#windowMs = window * 1000;
    this.#timeoutMs = timeout * 1000;
  }

  /**
   * Invokes the function for every batch that is due now; returns the number of invocations. In
   * the background mode it first settles the invocation in flight once its function timeout has
   * passed (its batch must be settled before the visibility timeout would show it again) or when
   * a new batch is due, and it leaves the invocation it starts running.
   */
  async poll(): Promise<number> {
    let invocations = 0;
    const inFlight = this.#inFlight;
    if (inFlight && (this.#options.clock.now() >= inFlight.settleAt || this.#due())) await this.settle();
    while (!this.#inFlight && this.#due()) {
      // Half the 6 MB payload for bodies leaves room for the envelope and JSON escaping of each body.
      const messages = this.#options.queue.receive(
        this.#batchSize,
        undefined,
        LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES / 2,
      );
      this.#windowOpenedAt = undefined;
      if (messages.length === 0) break;
      const invocation = this.#invoke(messages);
      invocations += 1;
      if (!this.#options.background) {
        await this.#settleWith(messages, await invocation);
        continue;
      }
      this.#inFlight = {
        messages,
        receipts: new Set(messages.map(({ ReceiptHandle }) => ReceiptHandle)),
        settleAt: this.#options.clock.now() + this.#timeoutMs,
        outcome: invocation,
      };
    }
    return invocations;
  }

  /**
   * Waits for the invocation in flight, if any, and applies its outcome to the queue now (deletes
   * what succeeded, leaves the rest to reappear). True when there was one.
   */
  async settle(): Promise<boolean> {
    const inFlight = this.#inFlight;
    if (!inFlight) return false;
    const outcome = await inFlight.outcome;
    this.#inFlight = undefined;
    await this.#settleWith(inFlight.messages, outcome);
    return true;
  }

  /** Resolves once no invocation is running (its outcome may still wait to be settled). */
  async idle(): Promise<void> {
    await this.#inFlight?.outcome;
  }

  /** Whether an invocation started in the background is still to be settled. */
  get inFlight(): boolean {
    return this.#inFlight !== undefined;
  }

  /** The next instant at which `poll` has work: a batching window closing or a message reappearing. */
  nextDueAt(): number | undefined {
    const { visible } = this.#options.queue.counts();
    // Visible messages (e.g. back after their visibility timeout) are seen at the next poll: now.
    const windowCloses =
      visible > 0
        ? batchingWindowDueAt(this.#windowOpenedAt, this.#options.clock.now(), this.#windowMs)
        : undefined;
    // A batch in flight is settled before it could reappear, so its messages are not due.
    const reappears = this.#options.queue.nextVisibleAt(this.#inFlight?.receipts);
    // Asked on every step of a run, so without arrays (as the other simulators' nextDueAt).
    return reappears === undefined ? windowCloses : earliest(windowCloses, reappears);
  }

  #due(): boolean {
    const { visible } = this.#options.queue.counts();
    if (visible === 0) {
      this.#windowOpenedAt = undefined;
      return false;
    }
    const now = this.#options.clock.now();
    this.#windowOpenedAt ??= now;
    return visible >= this.#batchSize || now - this.#windowOpenedAt >= this.#windowMs;
  }

  #invoke(messages: ReceivedMessage[]): Promise<InvokeOutcome> {
    const event: SQSEvent = { Records: messages.map((message) => this.#record(message)) };
    this.stats.invocations += 1;
    return this.#invoker.invoke(this.#options.handler, event);
  }

  async #settleWith(messages: ReceivedMessage[], outcome: InvokeOutcome): Promise<void> {
    if (!outcome.ok) {
      // A function error fails the whole batch: nothing is deleted.
      this.stats.failedInvocations += 1;
      this.stats.returnedToQueue += messages.length;
      return;
    }
    const failed =
      this.#options.functionResponseType === 'ReportBatchItemFailures'
        ? failedMessageIds(outcome.response, messages)
        : new Set<string>();
    for (const message of messages) {
      if (failed.has(message.MessageId)) continue;
      await this.#options.queue.deleteMessage({ ReceiptHandle: message.ReceiptHandle });
      this.stats.deleted += 1;
    }
    this.stats.returnedToQueue += failed.size;
  }

  #record(message: ReceivedMessage): SQSRecord {
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes,
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes).map(([name, value]) => [
          name,
          {
            ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
            ...(value.BinaryValue === undefined
              ? {}
              : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
            stringListValues: [],
            binaryListValues: [],
            dataType: value.DataType,
          },
        ]),
      ),
      md5OfBody: message.MD5OfBody,
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: this.#options.queue.arn,
      awsRegion: this.#environment.region,
    };
  }
}

/** An invocation started in the background: its batch, and when it must be settled at the latest. */
interface InFlight {
  messages: ReceivedMessage[];
  /** Their receipt handles. */
  receipts: ReadonlySet<string>;
  /** The function's timeout after the start: no invocation runs longer. */
  settleAt: number;
  outcome: Promise<InvokeOutcome>;
}

// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
// An empty or null response, or an empty list, is a full success. An itemIdentifier that is
// missing, empty or not a message of the batch makes the whole batch a failure.
const failedMessageIds = (response: unknown, messages: ReceivedMessage[]): Set<string> => {
  const all = new Set(messages.map((message) => message.MessageId));
  if (response === null || typeof response !== 'object') return new Set();
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
};
