import { partitionOfKey, type PartitionKeys } from '@pipeline/shared';
import { normaliseSources, type RunTrigger } from './manifest';

/** An object of the ingest bucket reported as created. */
export interface CreatedObject {
  bucket: string;
  key: string;
}

/** Why a message cannot be processed. It is failed, so SQS moves it to the DLQ after a few receives. */
export type RejectReason =
  | 'invalid_json'
  | 'not_an_s3_event'
  | 'unsupported_event'
  | 'key_outside_layout'
  | 'unexpected_bucket'
  | 'invalid_partition';

/** What one SQS message asks for, once its body is parsed. */
export type MessageIntent =
  | { kind: 'objects'; objects: CreatedObject[] }
  | { kind: 'rerun'; partition: PartitionKeys; reason: string }
  | { kind: 'ignore'; reason: string }
  | { kind: 'reject'; reason: RejectReason; detail: string };

export interface IncomingMessage {
  messageId: string;
  intent: MessageIntent;
}

/** One report run: a partition, every object that triggered it and every message waiting on it. */
export interface PartitionRun {
  id: string;
  partition: PartitionKeys;
  trigger: RunTrigger;
  sources: string[];
  messageIds: string[];
}

export type MessageDecision =
  | { kind: 'run'; runIds: string[] }
  | { kind: 'ignore'; reason: string }
  | { kind: 'reject'; reason: RejectReason; detail: string };

export interface BatchPlan {
  runs: PartitionRun[];
  decisions: Map<string, MessageDecision>;
}

export const partitionId = ({ dt, hour }: PartitionKeys): string => `dt=${dt}/hour=${hour}`;

/** A partition named directly (re-run requests), checked like one read from a key. */
export const checkPartition = (dt: string, hour: string): PartitionKeys | undefined =>
  partitionOfKey(`raw/dt=${dt}/hour=${hour}/x`);

/**
 * Coalesces a batch: every message naming objects of the same hour partition joins one run, so
 * a burst of Firehose objects costs one query per report, not one per object. A message whose
 * objects lie outside `raw/dt=YYYY-MM-DD/hour=HH/` (or in another bucket) is rejected as a whole.
 */
export const planBatch = (
  messages: readonly IncomingMessage[],
  options: { bucket?: string } = {},
): BatchPlan => {
  const runs = new Map<
    string,
    { partition: PartitionKeys; triggers: Set<RunTrigger>; sources: string[]; messageIds: string[] }
  >();
  const decisions = new Map<string, MessageDecision>();

  const join = (
    messageId: string,
    partition: PartitionKeys,
    trigger: RunTrigger,
    sources: string[],
  ): string => {
    const id = partitionId(partition);
    const run = runs.get(id) ?? { partition, triggers: new Set<RunTrigger>(), sources: [], messageIds: [] };
    run.triggers.add(trigger);
    run.sources.push(...sources);
    if (!run.messageIds.includes(messageId)) run.messageIds.push(messageId);
    runs.set(id, run);
    return id;
  };

  for (const { messageId, intent } of messages) {
    switch (intent.kind) {
      case 'ignore':
      case 'reject':
        decisions.set(messageId, intent);
        break;
      case 'rerun':
        decisions.set(messageId, { kind: 'run', runIds: [join(messageId, intent.partition, 'rerun', [])] });
        break;
      case 'objects': {
        const located = intent.objects.map((object) => ({ object, partition: partitionOfKey(object.key) }));
        const foreign = intent.objects.find(
          ({ bucket }) => options.bucket !== undefined && bucket !== options.bucket,
        );
        const outside = located.find(({ partition }) => partition === undefined);
        if (foreign) {
          decisions.set(messageId, {
            kind: 'reject',
            reason: 'unexpected_bucket',
            detail: `s3://${foreign.bucket}/${foreign.key}`,
          });
        } else if (outside) {
          decisions.set(messageId, {
            kind: 'reject',
            reason: 'key_outside_layout',
            detail: `s3://${outside.object.bucket}/${outside.object.key} is not under raw/dt=YYYY-MM-DD/hour=HH/`,
          });
        } else {
          const runIds = located.map(({ object, partition }) =>
            join(messageId, partition as PartitionKeys, 'object-created', [
              `s3://${object.bucket}/${object.key}`,
            ]),
          );
          decisions.set(messageId, { kind: 'run', runIds: [...new Set(runIds)] });
        }
        break;
      }
    }
  }

  return {
    runs: [...runs.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, run]) => ({
        id,
        partition: run.partition,
        // A run caused by new objects is an object-created run, even if a re-run joined it.
        trigger: run.triggers.has('object-created') ? 'object-created' : 'rerun',
        sources: normaliseSources(run.sources),
        messageIds: run.messageIds,
      })),
    decisions,
  };
};

/** The 24 hour partitions of the UTC day `daysBack` days before `now`. */
export const partitionsOfPreviousDay = (now: Date, daysBack = 1): PartitionKeys[] => {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysBack));
  const dt = day.toISOString().slice(0, 10);
  return Array.from({ length: 24 }, (_, hour) => ({ dt, hour: String(hour).padStart(2, '0') }));
};
