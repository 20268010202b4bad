import { mkdir } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PGlite } from '@electric-sql/pglite';
import { FIREHOSE_ERRORS_PREFIX, quarantineTable } from '@pipeline/shared';
import type { PostgresWarehouse } from '@pipeline/shared/warehouse';
import type { ManualClock } from '../../aws/clock';
import { EventBus } from '../../aws/eventbridge/EventBus';
import { KinesisStream } from '../../aws/kinesis/KinesisStream';
import { KafkaCluster } from '../../aws/msk/KafkaCluster';
import { ObjectStore } from '../../aws/s3/ObjectStore';
import { SqsQueue } from '../../aws/sqs/SqsQueue';
import { createPgliteWarehouse, initialisePgliteDataDir } from '../../engines/pglite-warehouse';
import { ingestPutFault } from '../faults';
import { LOCAL_RESOURCES } from '../layout';
import { num, type WiringContext } from './context';

/** Lake objects written during this run, for the accounting. */
export interface RunObjects {
  raw: string[];
  errors: string[];
}

/**
 * What several services use: the buckets, the default event bus the ingest bucket notifies, the
 * hub (ingest-transform's stream, written by msk-consumer, read by Firehose and analytics-sink),
 * the MSK cluster's topic and the warehouse (one PGlite for report-runner and analytics-sink).
 */
export interface SharedResources {
  store: ObjectStore;
  bus: EventBus;
  runObjects: RunObjects;
  hub: KinesisStream;
  kafka: KafkaCluster;
  topic: string;
  warehouse: PostgresWarehouse;
  db: PGlite;
}

/** Where Firehose writes its error output (`errors/!{firehose:error-output-type}/`). */
const FIREHOSE_ERROR_PREFIXES = (quarantineTable('firehose').errorOutputTypes ?? []).map(
  (type) => `${FIREHOSE_ERRORS_PREFIX}${type}/`,
);

export const wireSharedResources = async (context: WiringContext): Promise<SharedResources> => {
  const { layout, clock, faults, settings } = context;
  const transformParams = context.params['ingest-transform'];
  await mkdir(layout.root, { recursive: true });
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
    shardCount: settings.shards ?? num(transformParams.shardCount, 'shardCount'),
    clock,
    retentionHours: num(transformParams.streamRetentionHours, 'streamRetentionHours'),
  });
  const kafka = new KafkaCluster({ clusterName: LOCAL_RESOURCES.mskCluster, clock });
  const topic = String(context.params['msk-consumer'].mskTopic);
  kafka.createTopic(topic, { partitions: settings.kafkaPartitions ?? 3 });

  await initialisePgliteDataDir(layout.warehouseDir);
  const { warehouse, db } = await createPgliteWarehouse(layout.warehouseDir);

  // Every object created in the buckets goes to the default bus as an EventBridge event; the
  // rules on it are the services' (report-runner's).
  const bus = new EventBus();
  const runObjects: RunObjects = { raw: [], errors: [] };
  store.onObjectCreated(async (event) => {
    if (event.detail.bucket.name === LOCAL_RESOURCES.ingestBucket) {
      const key = event.detail.object.key;
      if (key.startsWith('raw/')) runObjects.raw.push(key);
      // Firehose's error output only: the transform's own quarantine (errors/transform/) holds
      // copies of the ProcessingFailed records, with their reasons.
      else if (FIREHOSE_ERROR_PREFIXES.some((prefix) => key.startsWith(prefix))) runObjects.errors.push(key);
    }
    await bus.putEvents([event]);
  });
  return { store, bus, runObjects, hub, kafka, topic, warehouse, db };
};

/** A dead-letter or on-failure queue: it keeps messages for SQS's maximum, 14 days, as deployed. */
export const parkingQueue = (name: string, clock: ManualClock): SqsQueue =>
  new SqsQueue({ name, clock, messageRetentionSeconds: 14 * 24 * 3600 });

/** An S3 client stand-in that writes through the local object store (what the quarantines need). */
export const localS3Client = (store: ObjectStore): S3Client =>
  ({
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
  }) as unknown as S3Client;
