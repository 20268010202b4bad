import type { PGlite } from '@electric-sql/pglite';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import { earliest, type ManualClock } from '../aws/clock';
import type { EventBus } from '../aws/eventbridge/EventBus';
import type { DeliveryStream } from '../aws/firehose/DeliveryStream';
import type { KinesisStream } from '../aws/kinesis/KinesisStream';
import type { TumblingWindowEventSourceMapping } from '../aws/kinesis/TumblingWindowEventSourceMapping';
import type { KafkaCluster } from '../aws/msk/KafkaCluster';
import type { MskEventSourceMapping } from '../aws/msk/MskEventSourceMapping';
import type { ObjectStore } from '../aws/s3/ObjectStore';
import type { SqsEventSourceMapping } from '../aws/sqs/SqsEventSourceMapping';
import type { SqsQueue } from '../aws/sqs/SqsQueue';
import type { FaultPlan } from './faults';
import type { MetricsRecorder } from './metrics';
import type { ServiceName } from './service-config';
import { wireAnalyticsSink, type AnalyticsSinkParts } from './wiring/analytics-sink';
import { wiringContext, type LocalCloudSettings, type WiringContext } from './wiring/context';
import { wireIngestTransform, type IngestTransformParts } from './wiring/ingest-transform';
import { wireMskConsumer, type MskConsumerParts } from './wiring/msk-consumer';
import { wireReportRunner, type ReportRunnerParts } from './wiring/report-runner';
import { wireSharedResources, type RunObjects, type SharedResources } from './wiring/shared-resources';

export type { LakeFormat, LocalCloudSettings } from './wiring/context';
export type { RunObjects } from './wiring/shared-resources';

/** The simulators and engines of one local cloud, each service's named parts together. */
export type LocalCloudParts = Pick<WiringContext, 'recorder' | 'params' | 'faults' | 'closers'> &
  SharedResources &
  ReportRunnerParts &
  IngestTransformParts &
  MskConsumerParts &
  AnalyticsSinkParts;

/**
 * The whole pipeline in one process: the simulators of the managed services wired as the services'
 * serverless.ts files wire them in AWS, running the four services' real handlers with local
 * adapters. Every function's environment, event source settings and timeout come from its own
 * `serverless.ts` on stage `local`; the overrides are the run's options. Each service's wiring is a
 * module of `wiring/`; this class assembles them and drives their simulators.
 */
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
  /** Every service's parameters as this run resolved them. */
  readonly params: Record<ServiceName, Record<string, unknown>>;
  /** The injected faults' schedule and books, when faults are on. */
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
    const context = await wiringContext(settings);
    const { recorder, params, faults, closers } = context;
    const shared = await wireSharedResources(context);
    return new LocalCloud(settings, {
      recorder,
      params,
      faults,
      closers,
      ...shared,
      ...(await wireReportRunner(context, shared)),
      ...wireIngestTransform(context, shared),
      ...wireMskConsumer(context, shared),
      ...wireAnalyticsSink(context, shared),
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
    // Asked on every step of a run, so without arrays.
    let next = this.mskMapping.nextDueAt();
    const firehose = this.firehose.nextDueAt();
    if (firehose !== undefined) next = earliest(next, firehose);
    const window = this.windowMapping.nextDueAt();
    if (window !== undefined) next = earliest(next, window);
    const runner = this.runnerMapping.nextDueAt();
    if (runner !== undefined) next = earliest(next, runner);
    return next;
  }

  /**
   * Waits for the invocations still running beside the simulation (the report runs) and applies
   * their outcomes now; true when there were any.
   */
  settle(): Promise<boolean> {
    return this.runnerMapping.settle();
  }

  async close(): Promise<void> {
    await this.runnerMapping.idle();
    this.firehose.reader.close();
    this.windowMapping.reader.close();
    for (const close of this.#closers) await close();
    await this.warehouse.close();
  }
}
