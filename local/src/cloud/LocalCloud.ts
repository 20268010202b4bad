import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PGlite } from '@electric-sql/pglite';
import { FIREHOSE_ERRORS_PREFIX, quarantineTable } from '@pipeline/shared';
import { LOCAL_STAGE } from '@pipeline/shared/runtime';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import { LogAlertPublisher } from '@pipeline/analytics-sink/adapters';
import {
  createSinkHandler,
  WITHOUT_REGISTRY as SINK_WITHOUT_REGISTRY,
  WindowEventSchema,
  settingsFromEnvironment as sinkSettingsFromEnvironment,
} from '@pipeline/analytics-sink';
import {
  createTransformHandler,
  FirehoseTransformEventSchema,
  WITHOUT_REGISTRY as TRANSFORM_WITHOUT_REGISTRY,
  settingsFromEnvironment as transformSettingsFromEnvironment,
} from '@pipeline/ingest-transform';
import { KinesisHubWriter, S3Quarantine } from '@pipeline/msk-consumer/adapters';
import { S3TransformQuarantine } from '@pipeline/ingest-transform/adapters';
import {
  createConsumerHandler,
  MskEventSchema,
  settingsFromEnvironment as consumerSettingsFromEnvironment,
} from '@pipeline/msk-consumer';
import {
  createRunnerHandler,
  lakeObjectCreatedPattern,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  RUNNER_TIMEOUT_SECONDS,
} from '@pipeline/report-runner';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AWS } from 'osls';
import type { ManualClock } from '../aws/clock';
import { EventBus } from '../aws/eventbridge/EventBus';
import { DeliveryStream } from '../aws/firehose/DeliveryStream';
import { JsonEncoder, type RecordEncoder } from '../aws/firehose/encoders';
import { ParquetEncoder } from '../aws/firehose/ParquetEncoder';
import { KinesisStream } from '../aws/kinesis/KinesisStream';
import { TumblingWindowEventSourceMapping } from '../aws/kinesis/TumblingWindowEventSourceMapping';
import type { LambdaHandler } from '../aws/lambda/invoke';
import { KafkaCluster } from '../aws/msk/KafkaCluster';
import { MskEventSourceMapping } from '../aws/msk/MskEventSourceMapping';
import { ObjectStore } from '../aws/s3/ObjectStore';
import { SqsEventSourceMapping } from '../aws/sqs/SqsEventSourceMapping';
import { SqsQueue, sqsTarget } from '../aws/sqs/SqsQueue';
import { createPgliteWarehouse, initialisePgliteDataDir } from '../engines/pglite-warehouse';
import { createLocalRunnerDependencies } from '../functions/report-runner';
import { Random } from '../simulators/random';
import {
  duplicateDelivery,
  faultyTransform,
  faultyWarehouse,
  FaultPlan,
  ingestPutFault,
  kinesisRedelivery,
  RunnerFaults,
  ThrottlingHubClient,
  type FaultSettings,
} from './faults';
import { LOCAL_RESOURCES, type LocalLayout } from './layout';
import { MetricsRecorder, RecordingMetrics } from './metrics';
import { lambdaRuntime } from './runtime';
import {
  checkServiceParams,
  functionEnvironment,
  loadServiceConfig,
  resolveVariables,
  stageParams,
  type ServiceName,
} from './service-config';
import { localRegistry } from './registry';

export type LakeFormat = 'parquet' | 'json';

/** Settings a local run may override; everything else comes from the services' own parameters. */
export interface LocalCloudSettings {
  layout: LocalLayout;
  clock: ManualClock;
  format: LakeFormat;
  /** Hub shards (the deployed default is on-demand; provisioned mode defaults to 2). */
  shards?: number;
  kafkaPartitions?: number;
  /** Overrides of service parameters (same names as in each serverless.ts). */
  params?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Powertools log level of every function (default ERROR: the progress line stays readable). */
  logLevel?: string;
  seed?: string;
  /** Faults to inject (`--faults`); none when absent or empty. */
  faults?: FaultSettings;
}

/** Where Firehose writes its error output (`errors/!{firehose:error-output-type}/`). */
const FIREHOSE_ERROR_PREFIXES = (quarantineTable('firehose').errorOutputTypes ?? []).map(
  (type) => `${FIREHOSE_ERRORS_PREFIX}${type}/`,
);

/** Lake objects written during this run, for the accounting. */
export interface RunObjects {
  raw: string[];
  errors: string[];
}

/**
 * The sink's event source mapping reads each shard once per simulated second: Lambda's base rate for
 * a standard iterator, and about how batches form with enhanced fan-out, where records pile up while
 * the previous invocation runs (simulated invocations take no time).
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#kinesis-polling-and-batching
 */
const KINESIS_POLL_INTERVAL_MS = 1000;

const num = (value: unknown, name: string): number => {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`${name} is not a number: ${String(value)}`);
  return number;
};

/** The first event of a type in a function's `events` list, its variables resolved. */
const eventOf = (
  config: AWS,
  functionName: string,
  type: string,
  params: Record<string, unknown>,
): Record<string, unknown> => {
  const events = (config.functions?.[functionName]?.events ?? []) as Record<string, unknown>[];
  const event = events.find((candidate) => type in candidate)?.[type];
  if (!event) throw new Error(`${config.service}.${functionName} has no ${type} event`);
  return resolveVariables(event, { config, stage: LOCAL_STAGE, params }) as Record<string, unknown>;
};

const timeoutOf = (config: AWS, functionName: string): number =>
  num(config.functions?.[functionName]?.timeout ?? config.provider.timeout ?? 6, 'timeout');

/** An S3 client stand-in that writes through the local object store (what the quarantines need). */
const s3ClientFor = (store: ObjectStore) => ({
  send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    if (command.constructor.name !== 'PutObjectCommand')
      throw new Error(`the local S3 client does not implement ${command.constructor.name}`);
    const { Bucket, Key, Body, IfNoneMatch, ContentType } = command.input as {
      Bucket: string;
      Key: string;
      Body: string | Uint8Array;
      IfNoneMatch?: string;
      ContentType?: string;
    };
    return store.putObject({
      Bucket,
      Key,
      Body,
      ...(IfNoneMatch ? { IfNoneMatch } : {}),
      ...(ContentType ? { ContentType } : {}),
    });
  },
});

/**
 * The whole pipeline in one process: the simulators of the managed services wired as the services'
 * serverless.ts files wire them in AWS, running the four services' real handlers with local
 * adapters. Every function's environment, event source settings and timeout come from its own
 * `serverless.ts` on stage `local`; the overrides are the run's options.
 */
/** The simulators and engines of one local cloud. */
export interface LocalCloudParts {
  recorder: MetricsRecorder;
  runObjects: RunObjects;
  hub: KinesisStream;
  kafka: KafkaCluster;
  store: ObjectStore;
  bus: EventBus;
  runQueue: SqsQueue;
  deadLetterQueue: SqsQueue;
  sinkFailureQueue: SqsQueue;
  mskFailureQueue: SqsQueue;
  firehose: DeliveryStream;
  mskMapping: MskEventSourceMapping;
  windowMapping: TumblingWindowEventSourceMapping;
  runnerMapping: SqsEventSourceMapping;
  warehouse: PostgresWarehouse;
  db: PGlite;
  /** Every service's parameters as this run resolved them. */
  params: Record<ServiceName, Record<string, unknown>>;
  /** The injected faults' schedule and books, when faults are on. */
  faults: FaultPlan | undefined;
  closers: (() => Promise<void> | void)[];
}

export class LocalCloud {
  readonly recorder: MetricsRecorder;
  readonly runObjects: RunObjects;
  readonly hub: KinesisStream;
  readonly kafka: KafkaCluster;
  readonly store: ObjectStore;
  readonly bus: EventBus;
  readonly runQueue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly sinkFailureQueue: SqsQueue;
  readonly mskFailureQueue: SqsQueue;
  readonly firehose: DeliveryStream;
  readonly mskMapping: MskEventSourceMapping;
  readonly windowMapping: TumblingWindowEventSourceMapping;
  readonly runnerMapping: SqsEventSourceMapping;
  readonly warehouse: PostgresWarehouse;
  readonly db: PGlite;
  readonly params: Record<ServiceName, Record<string, unknown>>;
  readonly faults: FaultPlan | undefined;
  readonly #closers: (() => Promise<void> | void)[];

  private constructor(
    readonly settings: LocalCloudSettings,
    parts: LocalCloudParts,
  ) {
    this.recorder = parts.recorder;
    this.runObjects = parts.runObjects;
    this.hub = parts.hub;
    this.kafka = parts.kafka;
    this.store = parts.store;
    this.bus = parts.bus;
    this.runQueue = parts.runQueue;
    this.deadLetterQueue = parts.deadLetterQueue;
    this.sinkFailureQueue = parts.sinkFailureQueue;
    this.mskFailureQueue = parts.mskFailureQueue;
    this.firehose = parts.firehose;
    this.mskMapping = parts.mskMapping;
    this.windowMapping = parts.windowMapping;
    this.runnerMapping = parts.runnerMapping;
    this.warehouse = parts.warehouse;
    this.db = parts.db;
    this.params = parts.params;
    this.faults = parts.faults;
    this.#closers = parts.closers;
  }

  get clock(): ManualClock {
    return this.settings.clock;
  }

  static async create(settings: LocalCloudSettings): Promise<LocalCloud> {
    const { layout, clock } = settings;
    const recorder = new MetricsRecorder();
    const logLevel = settings.logLevel ?? 'ERROR';
    const random = new Random(`local-cloud:${settings.seed ?? 'seed'}`);
    await mkdir(layout.root, { recursive: true });
    const faults =
      settings.faults && settings.faults.kinds.length > 0
        ? new FaultPlan(settings.faults, clock.now())
        : undefined;

    const services = ['ingest-transform', 'msk-consumer', 'report-runner', 'analytics-sink'] as const;
    const configs = Object.fromEntries(
      await Promise.all(
        services.map(async (service) => [service, await loadServiceConfig(service)] as const),
      ),
    ) as Record<ServiceName, AWS>;
    const params = Object.fromEntries(
      services.map((service) => [
        service,
        stageParams(configs[service], LOCAL_STAGE, settings.params?.[service] ?? {}),
      ]),
    ) as Record<ServiceName, Record<string, unknown>>;
    for (const service of services)
      checkServiceParams(service, configs[service], LOCAL_STAGE, params[service]);
    const environment = (service: ServiceName, fn: string) =>
      functionEnvironment(configs[service], fn, { stage: LOCAL_STAGE, params: params[service] });
    const runtimeOf = (service: ServiceName) => ({
      logger: new Logger({ serviceName: service, logLevel: logLevel as never }),
      metrics: new RecordingMetrics(recorder, service),
    });

    // ---- storage: buckets, the hub, the Kafka topic, queues ----
    const store = new ObjectStore({
      root: layout.root,
      clock,
      ...(faults ? { putFault: ingestPutFault(faults, LOCAL_RESOURCES.ingestBucket) } : {}),
    });
    for (const bucket of [
      LOCAL_RESOURCES.ingestBucket,
      LOCAL_RESOURCES.reportsBucket,
      LOCAL_RESOURCES.quarantineBucket,
    ])
      await store.createBucket(bucket);
    const hub = new KinesisStream({
      name: LOCAL_RESOURCES.hubStream,
      shardCount: settings.shards ?? num(params['ingest-transform'].shardCount, 'shardCount'),
      clock,
      retentionHours: num(params['ingest-transform'].streamRetentionHours, 'streamRetentionHours'),
    });
    const kafka = new KafkaCluster({ clusterName: LOCAL_RESOURCES.mskCluster, clock });
    const topic = String(params['msk-consumer'].mskTopic);
    kafka.createTopic(topic, { partitions: settings.kafkaPartitions ?? 3 });
    // Dead-letter and on-failure queues keep messages for SQS's maximum, 14 days, as deployed.
    const parkingQueue = (name: string) =>
      new SqsQueue({ name, clock, messageRetentionSeconds: 14 * 24 * 3600 });
    const deadLetterQueue = parkingQueue(LOCAL_RESOURCES.deadLetterQueue);
    const runQueue = new SqsQueue({
      name: LOCAL_RESOURCES.runQueue,
      clock,
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
      redrivePolicy: {
        deadLetterQueue,
        maxReceiveCount: num(params['report-runner'].maxReceiveCount, 'maxReceiveCount'),
      },
      ...(faults ? { redeliverAfterDelete: duplicateDelivery(faults) } : {}),
    });
    const sinkFailureQueue = parkingQueue(LOCAL_RESOURCES.sinkFailureQueue);
    const mskFailureQueue = parkingQueue(LOCAL_RESOURCES.mskFailureQueue);

    // ---- the warehouse: one PGlite for report-runner and analytics-sink ----
    await initialisePgliteDataDir(layout.warehouseDir);
    const { warehouse, db } = await createPgliteWarehouse(layout.warehouseDir);
    const closers: (() => Promise<void> | void)[] = [];

    // ---- report-runner: EventBridge rule -> SQS -> runner (DuckDB, reports folder, PGlite) ----
    const runnerEnv = environment('report-runner', 'runner');
    const runnerFaults = faults ? new RunnerFaults(faults, clock) : undefined;
    const runnerDeps = await createLocalRunnerDependencies(
      runnerEnv,
      {
        lakeDir: layout.lakeDir,
        reportsDir: layout.reportsDir,
        kafkaQuarantineDir: layout.quarantineDir,
        warehouseDir: layout.warehouseDir,
      },
      { warehouse: runnerFaults ? runnerFaults.warehouse(warehouse) : warehouse },
    );
    closers.push(runnerDeps.close);
    if (runnerFaults)
      runnerDeps.runner = { ...runnerDeps.runner, store: runnerFaults.store(runnerDeps.runner.store) };
    const runnerRuntime = runtimeOf('report-runner');
    const bareRunner = createRunnerHandler({ ...runnerDeps, ...runnerRuntime });
    const runner = lambdaRuntime(
      runnerFaults ? runnerFaults.handler(bareRunner, runnerRuntime.metrics) : bareRunner,
      runnerRuntime,
    );
    const bus = new EventBus();
    bus.putRule({
      name: 'report-runner-local-ingest-object-created',
      eventPattern: lakeObjectCreatedPattern(String(params['report-runner'].ingestBucketName)),
      targets: [sqsTarget(runQueue)],
    });
    const runObjects: RunObjects = { raw: [], errors: [] };
    store.onObjectCreated(async (event) => {
      if (event.detail.bucket.name === LOCAL_RESOURCES.ingestBucket) {
        const key = event.detail.object.key;
        if (key.startsWith('raw/')) runObjects.raw.push(key);
        // Firehose's error output only: the transform's own quarantine (errors/transform/) holds
        // copies of the ProcessingFailed records, with their reasons.
        else if (FIREHOSE_ERROR_PREFIXES.some((prefix) => key.startsWith(prefix)))
          runObjects.errors.push(key);
      }
      await bus.putEvents([event]);
    });
    const sqsEvent = eventOf(configs['report-runner'], 'runner', 'sqs', params['report-runner']);
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
    });

    // ---- ingest-transform: Firehose reads the hub, the real transform, the lake ----
    const transformParams = params['ingest-transform'];
    const transformRuntime = runtimeOf('ingest-transform');
    const transform = lambdaRuntime(
      createTransformHandler({
        settings: transformSettingsFromEnvironment(environment('ingest-transform', 'transform')),
        ...transformRuntime,
        registry: localRegistry(
          environment('ingest-transform', 'transform'),
          layout.root,
          transformRuntime.logger,
          clock,
          TRANSFORM_WITHOUT_REGISTRY,
        ),
        quarantine: new S3TransformQuarantine({
          client: s3ClientFor(store) as unknown as S3Client,
          bucket: environment('ingest-transform', 'transform').QUARANTINE_BUCKET as string,
        }),
      }),
      { ...transformRuntime, schema: FirehoseTransformEventSchema },
    );
    const encoder: RecordEncoder =
      settings.format === 'parquet'
        ? new ParquetEncoder({ scratchDir: path.join(layout.root, '.tmp', 'parquet') })
        : new JsonEncoder({ gzip: true });
    closers.push(() => encoder.close?.());
    const firehose = new DeliveryStream({
      name: LOCAL_RESOURCES.deliveryStream,
      source: hub,
      clock,
      processor: {
        handler: faults
          ? faultyTransform(faults, transform, {
              attempts: num(transformParams.processorRetries, 'processorRetries') + 1,
              timeoutSeconds: timeoutOf(configs['ingest-transform'], 'transform'),
            })
          : transform,
        functionName: LOCAL_RESOURCES.functions.transform,
        timeoutSeconds: timeoutOf(configs['ingest-transform'], 'transform'),
        bufferSizeMB: num(transformParams.processorBufferSizeMB, 'processorBufferSizeMB'),
        bufferIntervalSeconds: num(
          transformParams.processorBufferIntervalSeconds,
          'processorBufferIntervalSeconds',
        ),
        numberOfRetries: num(transformParams.processorRetries, 'processorRetries'),
      },
      destination: {
        store,
        bucket: LOCAL_RESOURCES.ingestBucket,
        encoder,
        bufferSizeMB: num(transformParams.s3BufferSizeMB, 's3BufferSizeMB'),
        bufferIntervalSeconds: num(transformParams.s3BufferIntervalSeconds, 's3BufferIntervalSeconds'),
        dataCatalogTable: {
          databaseName: LOCAL_RESOURCES.glueDatabase,
          tableName: LOCAL_RESOURCES.glueTable,
        },
      },
    });

    // ---- msk-consumer: the MSK event source mapping, the real consumer, the hub ----
    const consumerEnv = environment('msk-consumer', 'consumer');
    const consumerRuntime = runtimeOf('msk-consumer');
    const throttling = faults?.enabled('hub-throttle') ? new ThrottlingHubClient(faults, hub) : undefined;
    const writerClock = throttling?.writerClock(clock);
    const consumerHandler = lambdaRuntime(
      createConsumerHandler({
        settings: consumerSettingsFromEnvironment(consumerEnv).consume,
        hub: new KinesisHubWriter({
          client: (throttling ?? hub) as unknown as KinesisClient,
          streamName: consumerEnv.HUB_STREAM_NAME as string,
          // Backoff between retries of throttled entries passes in simulated time.
          clock: writerClock ?? { now: () => clock.now(), sleep: async (ms) => void clock.advance(ms) },
          random: () => random.next(),
        }),
        quarantine: new S3Quarantine({
          client: s3ClientFor(store) as unknown as S3Client,
          bucket: consumerEnv.QUARANTINE_BUCKET as string,
        }),
        ...consumerRuntime,
        now: () => clock.now(),
      }),
      { ...consumerRuntime, schema: MskEventSchema },
    );
    const consumer: typeof consumerHandler = writerClock
      ? (event, context) => {
          writerClock.begin();
          return consumerHandler(event, context);
        }
      : consumerHandler;
    const mskEvent = eventOf(configs['msk-consumer'], 'consumer', 'msk', params['msk-consumer']);
    const mskMapping = new MskEventSourceMapping({
      cluster: kafka,
      topic,
      handler: consumer,
      clock,
      functionName: LOCAL_RESOURCES.functions.consumer,
      timeoutSeconds: timeoutOf(configs['msk-consumer'], 'consumer'),
      consumerGroupId: String(mskEvent.consumerGroupId),
      batchSize: num(mskEvent.batchSize, 'mskBatchSize'),
      maximumBatchingWindowInSeconds: num(mskEvent.maximumBatchingWindow, 'mskBatchingWindowSeconds'),
      startingPosition: mskEvent.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
      onFailure: async (failure) => {
        await mskFailureQueue.sendMessage({ MessageBody: JSON.stringify(failure) });
      },
    });

    // ---- analytics-sink: tumbling windows over the hub, the real sink, PGlite, alerts in the log ----
    const sinkRuntime = runtimeOf('analytics-sink');
    const sink = lambdaRuntime(
      createSinkHandler({
        // As the local stage's entry: a warehouse URL may carry a password here (it is not used).
        settings: sinkSettingsFromEnvironment(environment('analytics-sink', 'sink'), {
          passwordInUrl: 'allowed',
        }).sink,
        warehouse: faults ? faultyWarehouse(faults, clock, warehouse) : warehouse,
        publisher: new LogAlertPublisher(sinkRuntime.logger),
        // Per-device alert thresholds from the registry in the local ingest bucket.
        registry: localRegistry(
          environment('analytics-sink', 'sink'),
          layout.root,
          sinkRuntime.logger,
          clock,
          SINK_WITHOUT_REGISTRY,
        ),
        ...sinkRuntime,
        now: () => clock.now(),
      }),
      { ...sinkRuntime, schema: WindowEventSchema },
    );
    const streamEvent = eventOf(configs['analytics-sink'], 'sink', 'stream', params['analytics-sink']);
    const windowMapping = new TumblingWindowEventSourceMapping({
      stream: hub,
      handler: sink,
      clock,
      functionName: LOCAL_RESOURCES.functions.sink,
      timeoutSeconds: timeoutOf(configs['analytics-sink'], 'sink'),
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

    return new LocalCloud(settings, {
      recorder,
      runObjects,
      hub,
      kafka,
      store,
      bus,
      runQueue,
      deadLetterQueue,
      sinkFailureQueue,
      mskFailureQueue,
      firehose,
      mskMapping,
      windowMapping,
      runnerMapping,
      warehouse,
      db,
      params,
      faults,
      closers,
    });
  }

  /** Every simulator with work now does it, in pipeline order, until none has any. */
  async pollAll(): Promise<number> {
    let total = 0;
    for (;;) {
      let work = 0;
      work += await this.mskMapping.poll();
      work += await this.firehose.poll();
      work += await this.windowMapping.poll();
      work += await this.runnerMapping.poll();
      total += work;
      if (work === 0) return total;
    }
  }

  /** When a simulator next has work, if any has. */
  nextDueAt(): number | undefined {
    const due = [
      this.mskMapping.nextDueAt(),
      this.firehose.nextDueAt(),
      this.windowMapping.nextDueAt(),
      this.runnerMapping.nextDueAt(),
    ].filter((at): at is number => at !== undefined);
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  async close(): Promise<void> {
    this.firehose.reader.close();
    this.windowMapping.reader.close();
    for (const close of this.#closers) await close();
    await this.warehouse.close();
  }
}
