import type { FirehoseTransformationRecord } from '@pipeline/shared';
import { earliest, type Clock } from '../clock';
import { LOCAL_ENVIRONMENT, type AwsEnvironment } from '../environment';
import type { KinesisStream } from '../kinesis/KinesisStream';
import { StreamReader, type StartingPosition } from '../kinesis/StreamReader';
import { processingFailedRecord } from './error-records';
import type { PendingRecord } from './event';
import { Processor, processorHintsOf, type ProcessorSettings, type ProcessorStats } from './Processor';
import { ProcessorBuffer, type ProcessorBufferStats } from './ProcessorBuffer';
import { FIREHOSE_ERRORS } from './response';
import { S3Destination, type S3DestinationSettings, type S3DestinationStats } from './S3Destination';

// A Firehose stream with a Kinesis data stream as source, a Lambda data transformation and an
// extended S3 destination: source -> processor buffer -> transform -> S3 buffers -> objects.
// https://docs.aws.amazon.com/firehose/latest/dev/what-is-this-service.html

export interface DeliveryStreamOptions {
  name: string;
  source: KinesisStream;
  processor: ProcessorSettings;
  destination: S3DestinationSettings;
  clock: Clock;
  environment?: AwsEnvironment;
  /** Firehose starts reading a Kinesis source at LATEST when the delivery stream is created. */
  startingPosition?: StartingPosition;
}

export interface DeliveryStreamStats extends ProcessorBufferStats, ProcessorStats, S3DestinationStats {
  ok: number;
  dropped: number;
  processingFailed: number;
  /** Records of batches whose every invocation attempt failed, by Firehose error code. */
  failedBatchRecords: Record<string, number>;
}

/**
 * An in-process Firehose delivery stream with a Kinesis data stream as source and an S3
 * destination: reads the hub into the processor buffer, invokes the transform for every full or
 * expired batch (ProcessorBuffer, Processor), and hands Ok records to the S3 destination by the
 * Lambda's partition keys and failed ones to its error output (S3Destination).
 */
export class DeliveryStream {
  readonly name: string;
  readonly arn: string;
  readonly reader: StreamReader;
  readonly stats: DeliveryStreamStats = {
    recordsRead: 0,
    invocations: 0,
    failedInvocations: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    failedBatchRecords: {},
    formatConversionFailed: 0,
    delivered: 0,
    objectsWritten: 0,
    errorObjectsWritten: 0,
    objectsAlreadyPresent: 0,
    bytesWritten: 0,
    s3DeliveryRetries: 0,
    s3DeliveryExpiredRecords: 0,
  };
  readonly #clock: Clock;
  readonly #buffer: ProcessorBuffer;
  readonly #processor: Processor;
  readonly #destination: S3Destination;

  constructor(options: DeliveryStreamOptions) {
    const hints = processorHintsOf(options.processor);
    const environment = options.environment ?? LOCAL_ENVIRONMENT;
    this.name = options.name;
    this.arn = `arn:aws:firehose:${environment.region}:${environment.accountId}:deliverystream/${options.name}`;
    this.#clock = options.clock;
    this.#destination = new S3Destination(
      options.destination,
      { deliveryStreamName: this.name, deliveryStreamArn: this.arn, environment, clock: options.clock },
      this.stats,
    );
    this.#processor = new Processor(
      options.processor,
      {
        deliveryStreamArn: this.arn,
        sourceStreamArn: options.source.arn,
        environment,
        clock: options.clock,
        numberOfRetries: hints.numberOfRetries,
        requiredPartitionKeys: this.#destination.partitionKeys,
      },
      this.stats,
    );
    this.reader = new StreamReader(
      options.source,
      `firehose:${options.name}`,
      options.startingPosition ?? 'LATEST',
    );
    this.#buffer = new ProcessorBuffer(options.source, this.reader, hints, this.stats);
  }

  /**
   * Does all work due now: reads new records from the hub, invokes the transform for every full or
   * expired processor buffer, and writes every full or expired S3 buffer. Returns the number of
   * invocations plus objects written.
   */
  async poll(): Promise<number> {
    let work = 0;
    const now = this.#clock.now();
    // Buffers are timed by when records arrived, not by when poll() happens to run, so a run that
    // polls late still batches exactly as Firehose would have.
    for (;;) {
      const added = this.#buffer.read();
      if (this.#buffer.full()) {
        work += await this.#process(this.#buffer.lastArrival);
        continue;
      }
      const deadline = this.#buffer.deadline();
      if (deadline !== undefined && now >= deadline) {
        work += await this.#process(deadline);
        continue;
      }
      if (!added) break;
    }
    work += await this.#destination.retryDeliveries();
    work += await this.#destination.flush(false);
    return work;
  }

  /** Processes and writes everything buffered now, whatever the hints say (end of a run, Ctrl-C). */
  async flush(): Promise<void> {
    for (;;) {
      this.#buffer.read();
      if (this.#buffer.size === 0) break;
      await this.#process(Math.min(this.#clock.now(), this.#buffer.deadline() ?? Number.POSITIVE_INFINITY));
    }
    await this.#destination.flush(true);
  }

  /**
   * The next instant at which `poll` has work, if any. Reading the hub is not work that must happen
   * at a given instant: buffers are timed by record arrival, so records read later are batched
   * exactly as if they had been read on arrival.
   */
  nextDueAt(): number | undefined {
    const buffer = this.#buffer.nextDueAt(this.#clock.now());
    const destination = this.#destination.nextDueAt();
    return destination === undefined ? buffer : earliest(buffer, destination);
  }

  /** Records held in processor and S3 buffers (not yet in an object). */
  bufferedRecordCount(): number {
    return this.#buffer.size + this.#destination.bufferedRecordCount;
  }

  /** Invokes the transform for the pending batch (with retries) and routes its results; `at` is when (simulated). */
  async #process(at: number): Promise<number> {
    const batch = this.#buffer.take();
    if (batch.length === 0) return 0;
    const outcome = await this.#processor.transform(batch);
    if (outcome.ok) {
      await this.#route(batch, outcome.results, outcome.attempts, at);
      this.#buffer.checkpoint(batch);
      return outcome.attempts;
    }
    // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html:
    // after the retries the whole batch is delivered to the processing-failed error output.
    this.stats.failedBatchRecords[outcome.errorCode] =
      (this.stats.failedBatchRecords[outcome.errorCode] ?? 0) + batch.length;
    for (const pending of batch) await this.#deliverProcessingFailed(at, pending, outcome.attempts, outcome);
    this.#buffer.checkpoint(batch);
    return outcome.attempts;
  }

  // https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-status-model.html: Ok records
  // go on to the destination, Dropped ones are discarded on purpose, ProcessingFailed ones go to the
  // processing-failed error output.
  async #route(
    batch: readonly PendingRecord[],
    results: Map<string, FirehoseTransformationRecord>,
    attempt: number,
    at: number,
  ): Promise<void> {
    for (const pending of batch) {
      const { record, recordId } = pending;
      const result = results.get(recordId) as FirehoseTransformationRecord;
      if (result.result === 'Dropped') {
        this.stats.dropped += 1;
        continue;
      }
      if (result.result === 'ProcessingFailed') {
        this.stats.processingFailed += 1;
        await this.#deliverProcessingFailed(at, pending, attempt, FIREHOSE_ERRORS.processingFailed);
        continue;
      }
      this.stats.ok += 1;
      await this.#destination.deliver(at, {
        recordId,
        arrival: record.approximateArrivalTimestamp,
        sequenceNumber: record.sequenceNumber,
        base64Data: result.data,
        partitionKeys: result.metadata?.partitionKeys ?? {},
      });
    }
  }

  async #deliverProcessingFailed(
    at: number,
    { record, recordId }: PendingRecord,
    attemptsMade: number,
    error: { errorCode: string; errorMessage: string },
  ): Promise<void> {
    const arrival = record.approximateArrivalTimestamp;
    await this.#destination.deliverError(
      at,
      'processing-failed',
      recordId,
      arrival,
      processingFailedRecord({
        attemptsMade,
        arrival,
        errorCode: error.errorCode,
        errorMessage: error.errorMessage,
        at,
        data: record.data,
        lambdaArn: this.#processor.lambdaArn,
      }),
    );
  }
}
