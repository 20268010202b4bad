import { z } from 'zod';
import { checkPartition, type MessageIntent } from './domain/batch-plan';

/** The body of a re-run request the runner queues for itself (daily re-run of yesterday). */
export const RerunMessageSchema = z.strictObject({
  type: z.literal('rerun-partition'),
  dt: z.string(),
  hour: z.string(),
  reason: z.string().max(200),
});
export type RerunMessage = z.infer<typeof RerunMessageSchema>;

// Sent once by S3 when a notification destination is configured; nothing to do.
const S3TestEventSchema = z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') });

const OBJECT_CREATED_DETAIL_TYPE = 'Object Created';

// The fields of an S3 notification the runner reads: which event it is, the bucket and the key.
// Nothing else is checked: S3 reports fields the runner does not use in more shapes than a schema
// of every field admits (Powertools' S3 schemas want `source-ip-address` / `sourceIPAddress` to
// be IPv4, while a request can come over IPv6 or from an AWS service, named in their place), and
// a message refused for one of them would reach the DLQ, its hour waiting for the daily re-run.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
const S3Location = z.object({
  bucket: z.object({ name: z.string().min(1) }),
  object: z.object({ key: z.string().min(1) }),
});
const EventBridgeS3EventSchema = z.object({
  source: z.string(),
  'detail-type': z.string(),
  detail: S3Location,
});
const ClassicS3NotificationSchema = z.object({
  Records: z.array(z.object({ eventSource: z.literal('aws:s3'), eventName: z.string(), s3: S3Location })),
});

/** Keys in classic S3 notifications are URL-encoded, spaces as `+`; EventBridge keys are plain. */
const decodeKey = (key: string): string => decodeURIComponent(key.replaceAll('+', ' '));

/**
 * What an SQS message body asks the runner to do. Object-created notifications arrive either
 * EventBridge-shaped (the ingest bucket's EventBridge rule) or as classic S3 notifications (a
 * bucket notification straight to the queue); both are read for the fields the runner uses only.
 */
export const parseMessageBody = (body: string): MessageIntent => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // The body is payload (bucket and key names, or anything a sender queued): its size, not its text.
    return {
      kind: 'reject',
      reason: 'invalid_json',
      detail: `body of ${body.length} characters is not JSON`,
    };
  }

  const eventBridge = EventBridgeS3EventSchema.safeParse(json);
  if (eventBridge.success) {
    const event = eventBridge.data;
    if (event.source !== 'aws.s3' || event['detail-type'] !== OBJECT_CREATED_DETAIL_TYPE) {
      return {
        kind: 'reject',
        reason: 'unsupported_event',
        detail: `${event.source} ${event['detail-type']}`,
      };
    }
    return { kind: 'objects', objects: [{ bucket: event.detail.bucket.name, key: event.detail.object.key }] };
  }

  const classic = ClassicS3NotificationSchema.safeParse(json);
  if (classic.success) {
    const created = classic.data.Records.filter(({ eventName }) => eventName.startsWith('ObjectCreated:'));
    if (created.length === 0) {
      return {
        kind: 'reject',
        reason: 'unsupported_event',
        detail: classic.data.Records.map(({ eventName }) => eventName).join(', '),
      };
    }
    if (created.length !== classic.data.Records.length) {
      const others = classic.data.Records.filter((record) => !created.includes(record)).map(
        ({ eventName }) => eventName,
      );
      return { kind: 'reject', reason: 'unsupported_event', detail: `mixed with ${others.join(', ')}` };
    }
    try {
      return {
        kind: 'objects',
        objects: created.map(({ s3 }) => ({ bucket: s3.bucket.name, key: decodeKey(s3.object.key) })),
      };
    } catch {
      return { kind: 'reject', reason: 'not_an_s3_event', detail: 'object key is not URL-encoded' };
    }
  }

  if (S3TestEventSchema.safeParse(json).success) return { kind: 'ignore', reason: 's3:TestEvent' };

  const rerun = RerunMessageSchema.safeParse(json);
  if (rerun.success) {
    const partition = checkPartition(rerun.data.dt, rerun.data.hour);
    return partition
      ? { kind: 'rerun', partition, reason: rerun.data.reason }
      : {
          kind: 'reject',
          reason: 'invalid_partition',
          detail: `dt=${rerun.data.dt}/hour=${rerun.data.hour}`,
        };
  }

  const issues = [eventBridge.error, classic.error].flatMap((error) =>
    error.issues.slice(0, 2).map((issue) => `${issue.path.join('.')}: ${issue.message}`),
  );
  return { kind: 'reject', reason: 'not_an_s3_event', detail: issues.join('; ').slice(0, 300) };
};
