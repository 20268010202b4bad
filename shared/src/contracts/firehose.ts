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

/**
 * Synchronous Lambda invocation payload limit, request and response alike: "6 MB"
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; the Firehose
 * transformation page repeats it for both directions). AWS does not say whether that is 6,000,000
 * bytes or 6 MiB; the error Lambda returns names 6,291,556 bytes ("Response payload size exceeded
 * maximum allowed payload size (6291556 bytes)", e.g. DataBiosphere/azul#8258). The pipeline stays
 * under the smaller reading, 6,000,000 bytes, and the local cloud enforces that.
 */
export const FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES = 6_000_000;

/** Largest record Firehose accepts (1,000 KiB), the ceiling for a transformed record too. */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;
