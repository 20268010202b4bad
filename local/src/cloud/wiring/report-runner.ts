import {
  createRunnerHandler,
  lakeObjectCreatedPattern,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  RUNNER_TIMEOUT_SECONDS,
} from '@pipeline/report-runner';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { LambdaHandler } from '../../aws/lambda/invoke';
import { SqsEventSourceMapping } from '../../aws/sqs/SqsEventSourceMapping';
import { SqsQueue, sqsTarget } from '../../aws/sqs/SqsQueue';
import { createLocalRunnerDependencies } from '../../functions/report-runner';
import { duplicateDelivery, RunnerFaults } from '../faults';
import { LOCAL_RESOURCES } from '../layout';
import { lambdaRuntime } from '../runtime';
import { num, type WiringContext } from './context';
import { parkingQueue, type SharedResources } from './shared-resources';

export interface ReportRunnerParts {
  runQueue: SqsQueue;
  deadLetterQueue: SqsQueue;
  runnerMapping: SqsEventSourceMapping;
}

/**
 * report-runner: its EventBridge rule on the ingest bucket's object-created events feeds its run
 * queue (with its dead-letter queue), whose event source mapping invokes the real runner over
 * DuckDB (for Athena), the reports bucket's folder and the shared PGlite (for Redshift).
 */
export const wireReportRunner = async (
  context: WiringContext,
  { bus, store, warehouse }: SharedResources,
): Promise<ReportRunnerParts> => {
  const { clock, faults, layout } = context;
  const service = context.service('report-runner');
  const deadLetterQueue = parkingQueue(LOCAL_RESOURCES.deadLetterQueue, clock);
  const runQueue = new SqsQueue({
    name: LOCAL_RESOURCES.runQueue,
    clock,
    visibilityTimeoutSeconds: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    redrivePolicy: {
      deadLetterQueue,
      maxReceiveCount: num(service.params.maxReceiveCount, 'maxReceiveCount'),
    },
    ...(faults ? { redeliverAfterDelete: duplicateDelivery(faults) } : {}),
  });

  // The runner runs while the simulation moves on (the mapping's background mode). What it reads
  // is decided when its invocation starts, as if it took no time: the clock stands still for it,
  // and its queries read the objects that existed then (`ObjectStore.snapshot`).
  let startedAt: number | undefined;
  let existedAtStart: ((file: string) => boolean) | undefined;
  const invocationClock = { now: () => startedAt ?? clock.now() };
  const runnerFaults = faults ? new RunnerFaults(faults, invocationClock) : undefined;
  const runnerDeps = await createLocalRunnerDependencies(
    service.environment('runner'),
    {
      lakeDir: layout.lakeDir,
      reportsDir: layout.reportsDir,
      kafkaQuarantineDir: layout.quarantineDir,
      warehouseDir: layout.warehouseDir,
    },
    {
      warehouse: runnerFaults ? runnerFaults.warehouse(warehouse) : warehouse,
      visible: (file) => existedAtStart?.(file) ?? true,
    },
  );
  context.closers.push(runnerDeps.close);
  if (runnerFaults)
    runnerDeps.runner = { ...runnerDeps.runner, store: runnerFaults.store(runnerDeps.runner.store) };
  const runtime = service.runtime();
  const bareRunner = createRunnerHandler({ ...runnerDeps, ...runtime });
  const deployed = lambdaRuntime(
    runnerFaults ? runnerFaults.handler(bareRunner, runtime.metrics) : bareRunner,
    runtime,
  );
  const runner: typeof deployed = async (event, lambdaContext) => {
    startedAt = clock.now();
    existedAtStart = store.snapshot();
    try {
      return await deployed(event, lambdaContext);
    } finally {
      startedAt = undefined;
      existedAtStart = undefined;
    }
  };

  bus.putRule({
    name: 'report-runner-local-ingest-object-created',
    eventPattern: lakeObjectCreatedPattern(String(service.params.ingestBucketName)),
    targets: [sqsTarget(runQueue)],
  });
  const sqsEvent = service.event('runner', 'sqs');
  const runnerMapping = new SqsEventSourceMapping({
    queue: runQueue,
    // Given an SQS batch, the runner answers with the batch response.
    handler: runner as LambdaHandler<SQSEvent, SQSBatchResponse>,
    clock,
    functionName: LOCAL_RESOURCES.functions.runner,
    timeoutSeconds: RUNNER_TIMEOUT_SECONDS,
    batchSize: num(sqsEvent.batchSize, 'batchSize'),
    maximumBatchingWindowInSeconds: num(sqsEvent.maximumBatchingWindow, 'maximumBatchingWindow'),
    functionResponseType: 'ReportBatchItemFailures',
    // Report queries take the engine's time, not the simulation's: they run beside it.
    background: true,
  });
  store.holdChangesWhile(() => runnerMapping.idle());
  return { runQueue, deadLetterQueue, runnerMapping };
};
