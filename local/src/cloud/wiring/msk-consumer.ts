import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createConsumerHandler, MskEventSchema, settingsFromEnvironment } from '@pipeline/msk-consumer';
import { KinesisHubWriter, S3Quarantine } from '@pipeline/msk-consumer/adapters';
import { MskEventSourceMapping } from '../../aws/msk/MskEventSourceMapping';
import type { SqsQueue } from '../../aws/sqs/SqsQueue';
import { ThrottlingHubClient } from '../faults';
import { LOCAL_RESOURCES } from '../layout';
import { lambdaRuntime } from '../runtime';
import { num, type WiringContext } from './context';
import { localS3Client, parkingQueue, type SharedResources } from './shared-resources';

export interface MskConsumerParts {
  mskFailureQueue: SqsQueue;
  mskMapping: MskEventSourceMapping;
}

/**
 * msk-consumer: the MSK event source mapping (its on-failure destination a queue) invokes the real
 * consumer with its deployed adapters: `KinesisHubWriter` with the simulated hub as its client
 * (throttling and retries included) and `S3Quarantine` writing through the local object store.
 */
export const wireMskConsumer = (
  context: WiringContext,
  { store, hub, kafka, topic }: SharedResources,
): MskConsumerParts => {
  const { clock, faults, random } = context;
  const service = context.service('msk-consumer');
  const environment = service.environment('consumer');
  const runtime = service.runtime();
  const mskFailureQueue = parkingQueue(LOCAL_RESOURCES.mskFailureQueue, clock);
  const throttling = faults?.enabled('hub-throttle') ? new ThrottlingHubClient(faults, hub) : undefined;
  const writerClock = throttling?.writerClock(clock);
  const consumerHandler = lambdaRuntime(
    createConsumerHandler({
      settings: settingsFromEnvironment(environment).consume,
      hub: new KinesisHubWriter({
        client: (throttling ?? hub) as unknown as KinesisClient,
        streamName: environment.HUB_STREAM_NAME as string,
        // Backoff between retries of throttled entries passes in simulated time.
        clock: writerClock ?? { now: () => clock.now(), sleep: async (ms) => void clock.advance(ms) },
        random: () => random.next(),
      }),
      quarantine: new S3Quarantine({
        client: localS3Client(store),
        bucket: environment.QUARANTINE_BUCKET as string,
      }),
      ...runtime,
      now: () => clock.now(),
    }),
    { ...runtime, schema: MskEventSchema },
  );
  const consumer: typeof consumerHandler = writerClock
    ? (event, lambdaContext) => {
        writerClock.begin();
        return consumerHandler(event, lambdaContext);
      }
    : consumerHandler;

  const mskEvent = service.event('consumer', 'msk');
  const mskMapping = new MskEventSourceMapping({
    cluster: kafka,
    topic,
    handler: consumer,
    clock,
    functionName: LOCAL_RESOURCES.functions.consumer,
    timeoutSeconds: service.timeoutSeconds('consumer'),
    consumerGroupId: String(mskEvent.consumerGroupId),
    batchSize: num(mskEvent.batchSize, 'mskBatchSize'),
    maximumBatchingWindowInSeconds: num(mskEvent.maximumBatchingWindow, 'mskBatchingWindowSeconds'),
    startingPosition: mskEvent.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
    onFailure: async (failure) => {
      await mskFailureQueue.sendMessage({ MessageBody: JSON.stringify(failure) });
    },
  });
  return { mskFailureQueue, mskMapping };
};
