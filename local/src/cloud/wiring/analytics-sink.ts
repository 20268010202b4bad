import {
  createSinkHandler,
  WITHOUT_REGISTRY,
  WindowEventSchema,
  settingsFromEnvironment,
} from '@pipeline/analytics-sink';
import { LogAlertPublisher } from '@pipeline/analytics-sink/adapters';
import { TumblingWindowEventSourceMapping } from '../../aws/kinesis/TumblingWindowEventSourceMapping';
import type { SqsQueue } from '../../aws/sqs/SqsQueue';
import { faultyWarehouse, kinesisRedelivery } from '../faults';
import { LOCAL_RESOURCES } from '../layout';
import { localRegistry } from '../registry';
import { lambdaRuntime } from '../runtime';
import { num, type WiringContext } from './context';
import { parkingQueue, type SharedResources } from './shared-resources';

export interface AnalyticsSinkParts {
  sinkFailureQueue: SqsQueue;
  windowMapping: TumblingWindowEventSourceMapping;
}

/**
 * The sink's event source mapping reads each shard once per simulated second: Lambda's base rate for
 * a standard iterator, and about how batches form with enhanced fan-out, where records pile up while
 * the previous invocation runs (simulated invocations take no time).
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#kinesis-polling-and-batching
 */
const KINESIS_POLL_INTERVAL_MS = 1000;

/**
 * analytics-sink: a tumbling-window event source mapping over the hub (its on-failure destination
 * a queue) invokes the real sink, which writes the shared PGlite and logs its alerts, with per-device
 * thresholds from the registry in the local ingest bucket.
 */
export const wireAnalyticsSink = (
  context: WiringContext,
  { hub, warehouse }: SharedResources,
): AnalyticsSinkParts => {
  const { clock, faults, layout } = context;
  const service = context.service('analytics-sink');
  const environment = service.environment('sink');
  const runtime = service.runtime();
  const sinkFailureQueue = parkingQueue(LOCAL_RESOURCES.sinkFailureQueue, clock);
  const sink = lambdaRuntime(
    createSinkHandler({
      // As the local stage's entry: a warehouse URL may carry a password here (it is not used).
      settings: settingsFromEnvironment(environment, { passwordInUrl: 'allowed' }).sink,
      warehouse: faults ? faultyWarehouse(faults, clock, warehouse) : warehouse,
      publisher: new LogAlertPublisher(runtime.logger),
      registry: localRegistry(environment, layout.root, runtime.logger, clock, WITHOUT_REGISTRY),
      ...runtime,
      now: () => clock.now(),
    }),
    { ...runtime, schema: WindowEventSchema },
  );

  const streamEvent = service.event('sink', 'stream');
  const windowMapping = new TumblingWindowEventSourceMapping({
    stream: hub,
    handler: sink,
    clock,
    functionName: LOCAL_RESOURCES.functions.sink,
    timeoutSeconds: service.timeoutSeconds('sink'),
    tumblingWindowInSeconds: num(streamEvent.tumblingWindowInSeconds, 'tumblingWindowSeconds'),
    batchSize: num(streamEvent.batchSize, 'batchSize'),
    maximumBatchingWindowInSeconds: num(streamEvent.batchWindow, 'batchingWindowSeconds'),
    pollIntervalMs: KINESIS_POLL_INTERVAL_MS,
    startingPosition: streamEvent.startingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
    bisectBatchOnFunctionError: streamEvent.bisectBatchOnFunctionError === true,
    maximumRetryAttempts: num(streamEvent.maximumRetryAttempts, 'maximumRetryAttempts'),
    maximumRecordAgeInSeconds: num(streamEvent.maximumRecordAgeInSeconds, 'maximumRecordAgeSeconds'),
    functionResponseType: 'ReportBatchItemFailures',
    onFailure: async (failure) => {
      await sinkFailureQueue.sendMessage({ MessageBody: JSON.stringify(failure) });
    },
    ...(faults ? { redeliver: kinesisRedelivery(faults) } : {}),
  });
  return { sinkFailureQueue, windowMapping };
};
