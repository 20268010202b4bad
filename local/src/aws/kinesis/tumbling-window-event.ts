import type { KinesisStreamRecord, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import type { StoredRecord } from './Shard';

// The tumbling-window invocation of a Kinesis event source mapping: the event carries the window,
// the state the previous invocation returned and whether this is the window's final invocation;
// the response must return the new state and may report batch item failures.
// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
// https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html

/** The tumbling-window event with every field Lambda sends (the @types event lacks two). */
export interface KinesisTumblingWindowEvent extends KinesisStreamTumblingWindowEvent {
  state: Record<string, unknown>;
  shardId: string;
  eventSourceARN: string;
}

// The state returned for a window may hold at most 1 MB per shard; beyond that Lambda terminates
// the window early.
export const TUMBLING_WINDOW_STATE_LIMIT_BYTES = 1024 * 1024;

const isoSeconds = (epochMs: number): string => `${new Date(epochMs).toISOString().slice(0, 19)}Z`;

export const tumblingWindowEvent = ({
  records,
  shardId,
  streamArn,
  window,
  final,
  terminatedEarly,
  functionName,
  environment,
}: {
  records: readonly StoredRecord[];
  shardId: string;
  streamArn: string;
  window: { start: number; end: number; state: Record<string, unknown> };
  final: boolean;
  terminatedEarly: boolean;
  functionName: string;
  environment: { region: string; accountId: string };
}): KinesisTumblingWindowEvent => ({
  Records: records.map((record): KinesisStreamRecord => ({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(record.data).toString('base64'),
      approximateArrivalTimestamp: record.approximateArrivalTimestamp / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${environment.accountId}:role/${functionName}-role`,
    awsRegion: environment.region,
    eventSourceARN: streamArn,
  })),
  window: { start: isoSeconds(window.start), end: isoSeconds(window.end) },
  state: window.state,
  shardId,
  eventSourceARN: streamArn,
  isFinalInvokeForWindow: final,
  isWindowTerminatedEarly: terminatedEarly,
});

/**
 * The response contract of a tumbling-window invocation: `state` is required ("If the response does
 * not contain a state property, Lambda considers this a failed invocation"); `batchItemFailures`
 * name sequence numbers of the batch, and processing restarts from the lowest one. An identifier
 * outside the batch fails the whole batch. Undefined for a response that fails the invocation.
 */
export const parseTumblingWindowResponse = (
  response: unknown,
  batch: readonly StoredRecord[],
  functionResponseType: 'ReportBatchItemFailures' | undefined,
): { state: Record<string, unknown>; firstFailure: string | undefined } | undefined => {
  if (response === null || typeof response !== 'object') return undefined;
  const { state, batchItemFailures } = response as { state?: unknown; batchItemFailures?: unknown };
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return undefined;
  if (
    functionResponseType !== 'ReportBatchItemFailures' ||
    batchItemFailures === undefined ||
    batchItemFailures === null
  ) {
    return { state: state as Record<string, unknown>, firstFailure: undefined };
  }
  if (!Array.isArray(batchItemFailures)) return undefined;
  const inBatch = new Set(batch.map((record) => record.sequenceNumber));
  let firstFailure: string | undefined;
  for (const failure of batchItemFailures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !inBatch.has(id)) return undefined;
    if (firstFailure === undefined || id < firstFailure) firstFailure = id;
  }
  return { state: state as Record<string, unknown>, firstFailure };
};
