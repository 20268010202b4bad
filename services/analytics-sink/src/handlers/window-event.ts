import {
  KinesisDataStreamRecord,
  KinesisDataStreamRecordPayload,
  KinesisDataStreamSchema,
} from '@aws-lambda-powertools/parser/schemas/kinesis';
import { z } from 'zod';
import type { WindowInvocation } from '../domain/process-window';

/**
 * The Kinesis event of a tumbling-window event source mapping. `data` stays base64 here: the
 * domain gives each bad record its own reason instead of failing the whole batch on one.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
 */
export const WindowEventSchema = KinesisDataStreamSchema.extend({
  Records: z.array(
    KinesisDataStreamRecord.extend({ kinesis: KinesisDataStreamRecordPayload.extend({ data: z.string() }) }),
  ),
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  state: z.record(z.string(), z.unknown()).nullish(),
  shardId: z.string().min(1),
  eventSourceARN: z.string().min(1),
  isFinalInvokeForWindow: z.boolean(),
  isWindowTerminatedEarly: z.boolean(),
});
export type WindowEvent = z.infer<typeof WindowEventSchema>;

/** The tumbling-window response: the state must always be returned, or Lambda fails the invocation. */
export interface WindowResponse {
  state: Record<string, unknown>;
  batchItemFailures: { itemIdentifier: string }[];
}

export const toWindowInvocation = (event: WindowEvent): WindowInvocation => ({
  shardId: event.shardId,
  window: event.window,
  state: event.state ?? undefined,
  isFinalInvokeForWindow: event.isFinalInvokeForWindow,
  isWindowTerminatedEarly: event.isWindowTerminatedEarly,
  records: event.Records.map(({ kinesis }) => kinesis),
});
