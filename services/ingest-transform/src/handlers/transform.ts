import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import {
  KinesisFirehoseRecordSchema,
  KinesisFirehoseSchema,
} from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import middy from '@middy/core';
import { createLogger, type FirehoseTransformationResponse } from '@pipeline/shared';
import { z } from 'zod';
import { transformBatch, type TransformSettings, type TransformSummary } from '../domain/transform-batch';
import { settingsFromEnvironment } from '../settings';

/**
 * The Firehose event, Kinesis-source or Direct PUT. `data` stays base64 here: Powertools' schema
 * would decode it and fail the whole batch on one bad record, while the domain gives each bad
 * record its own reason.
 */
export const FirehoseTransformEventSchema = KinesisFirehoseSchema.extend({
  records: z.array(KinesisFirehoseRecordSchema.extend({ data: z.string() })).min(1),
});
export type FirehoseTransformEvent = z.infer<typeof FirehoseTransformEventSchema>;

export interface TransformDependencies {
  settings: TransformSettings;
  logger: Logger;
  metrics: Metrics;
}

const publish = (metrics: Metrics, summary: TransformSummary): void => {
  metrics.addMetric('RecordsOk', MetricUnit.Count, summary.ok);
  const byReason = [
    ['RecordsDropped', summary.dropped],
    ['RecordsFailed', summary.failed],
  ] as const;
  for (const [name, counts] of byReason) {
    for (const [reason, count] of Object.entries(counts)) {
      const metric = metrics.singleMetric();
      metric.addDimension('reason', reason);
      metric.addMetric(name, MetricUnit.Count, count);
    }
  }
};

/** The bare handler: validate, transform, account. Exported for tests and the local cloud. */
export const createTransformHandler =
  ({ settings, logger, metrics }: TransformDependencies) =>
  async (event: FirehoseTransformEvent): Promise<FirehoseTransformationResponse> => {
    logger.appendKeys({ invocationId: event.invocationId, deliveryStreamArn: event.deliveryStreamArn });
    const { records, failures, summary } = transformBatch(event.records, settings);
    for (const failure of failures) logger.warn('record rejected', { ...failure });
    publish(metrics, summary);
    logger.info('batch transformed', { records: event.records.length, ...summary });
    return { records };
  };

const logger = createLogger();
const metrics = new Metrics();

export const handler = middy(createTransformHandler({ settings: settingsFromEnvironment(), logger, metrics }))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use(parser({ schema: FirehoseTransformEventSchema }));
