import { z } from 'zod';

/**
 * The Firehose data-transformation response contract (Powertools ships only the event side).
 * https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 * One entry per input record with the same `recordId`; `Ok` and `Dropped` count as success,
 * `ProcessingFailed` records go to the error output prefix.
 */
export const FirehoseResultSchema = z.enum(['Ok', 'Dropped', 'ProcessingFailed']);
export type FirehoseResult = z.infer<typeof FirehoseResultSchema>;

export const FirehoseTransformationRecordSchema = z.object({
  recordId: z.string().min(1),
  result: FirehoseResultSchema,
  data: z.base64(),
  metadata: z.object({ partitionKeys: z.record(z.string(), z.string()) }).optional(),
});
export type FirehoseTransformationRecord = z.infer<typeof FirehoseTransformationRecordSchema>;

export const FirehoseTransformationResponseSchema = z.object({
  records: z.array(FirehoseTransformationRecordSchema),
});
export type FirehoseTransformationResponse = z.infer<typeof FirehoseTransformationResponseSchema>;

/** Synchronous Lambda invocation payload limit, request and response alike (6 MB). */
export const FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** Largest record Firehose accepts (1,000 KiB), the ceiling for a transformed record too. */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;
