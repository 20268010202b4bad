import type { FirehoseTransformationRecord } from '@pipeline/shared';
import type { Clock } from '../clock';
import { IdGenerator, type AwsEnvironment } from '../environment';
import { LambdaInvoker, type LambdaHandler } from '../lambda/invoke';
import { toSourceRecord, type FirehoseKinesisSourceEvent, type PendingRecord } from './event';
import { checkSetting, FIREHOSE_LIMITS } from './limits';
import { checkTransformResponse, FIREHOSE_ERRORS } from './response';

// The data transformation stage: Firehose invokes the Lambda synchronously with each buffered
// batch, checks the response against its status model, and retries a failed invocation
// (NumberOfRetries, 3 by default) before sending the whole batch to the error output.
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
// https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html

export interface ProcessorSettings {
  handler: LambdaHandler<FirehoseKinesisSourceEvent>;
  functionName: string;
  timeoutSeconds?: number;
  bufferSizeMB?: number;
  bufferIntervalSeconds?: number;
  numberOfRetries?: number;
}

/** The processor's buffering hints and retries, defaulted and checked against their ranges. */
export interface ProcessorHints {
  bufferSizeMB: number;
  bufferIntervalSeconds: number;
  numberOfRetries: number;
}

export const processorHintsOf = (settings: ProcessorSettings): ProcessorHints => ({
  bufferSizeMB: checkSetting(
    'BufferSizeInMBs',
    settings.bufferSizeMB ?? FIREHOSE_LIMITS.processorBufferSizeMB.default,
    FIREHOSE_LIMITS.processorBufferSizeMB,
    { integer: false },
  ),
  bufferIntervalSeconds: checkSetting(
    'BufferIntervalInSeconds',
    settings.bufferIntervalSeconds ?? FIREHOSE_LIMITS.processorBufferIntervalSeconds.default,
    FIREHOSE_LIMITS.processorBufferIntervalSeconds,
    { integer: false },
  ),
  numberOfRetries: checkSetting(
    'NumberOfRetries',
    settings.numberOfRetries ?? FIREHOSE_LIMITS.numberOfRetries.default,
    FIREHOSE_LIMITS.numberOfRetries,
    { integer: true },
  ),
});

export interface ProcessorStats {
  invocations: number;
  failedInvocations: number;
}

/** What became of a batch: each record's result, or the error of the last failed attempt. */
export type TransformOutcome =
  | { ok: true; results: Map<string, FirehoseTransformationRecord>; attempts: number }
  | { ok: false; errorCode: string; errorMessage: string; attempts: number };

/** Invokes the transform for a batch with Firehose's exact event, its response contract and retries. */
export class Processor {
  readonly #invoker: LambdaInvoker;
  readonly #invocationIds: IdGenerator;

  constructor(
    private readonly settings: ProcessorSettings,
    private readonly context: {
      deliveryStreamArn: string;
      sourceStreamArn: string;
      environment: AwsEnvironment;
      clock: Clock;
      numberOfRetries: number;
      /** The keys every Ok record must carry for the S3 prefix (dynamic partitioning). */
      requiredPartitionKeys: readonly string[];
    },
    private readonly stats: ProcessorStats,
  ) {
    this.#invoker = new LambdaInvoker(
      { functionName: settings.functionName, timeoutSeconds: settings.timeoutSeconds ?? 300 },
      context.environment,
      context.clock,
    );
    this.#invocationIds = new IdGenerator(`firehose-invocation:${context.deliveryStreamArn}`);
  }

  /** The function's ARN, as error records name it. */
  get lambdaArn(): string {
    return this.#invoker.arn;
  }

  async transform(batch: readonly PendingRecord[]): Promise<TransformOutcome> {
    const recordIds = batch.map(({ recordId }) => recordId);
    const attempts = this.context.numberOfRetries + 1;
    let lastError: { errorCode: string; errorMessage: string } = FIREHOSE_ERRORS.functionError;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      // Built afresh for each attempt, so what a failed attempt did to its event is not seen again.
      const event: FirehoseKinesisSourceEvent = {
        invocationId: this.#invocationIds.next(),
        deliveryStreamArn: this.context.deliveryStreamArn,
        sourceKinesisStreamArn: this.context.sourceStreamArn,
        region: this.context.environment.region,
        records: batch.map(toSourceRecord),
      };
      this.stats.invocations += 1;
      const outcome = await this.#invoker.invokeBuilt(this.settings.handler, event);
      const verdict = outcome.ok
        ? checkTransformResponse(outcome.response, recordIds, this.context.requiredPartitionKeys)
        : {
            ok: false as const,
            errorCode: FIREHOSE_ERRORS.functionError.errorCode,
            errorMessage: `${FIREHOSE_ERRORS.functionError.errorMessage} (${outcome.errorType}: ${outcome.errorMessage})`,
          };
      if (verdict.ok) return { ok: true, results: verdict.results, attempts: attempt };
      this.stats.failedInvocations += 1;
      lastError = verdict;
    }
    return { ok: false, errorCode: lastError.errorCode, errorMessage: lastError.errorMessage, attempts };
  }
}
