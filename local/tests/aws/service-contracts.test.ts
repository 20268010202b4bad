import './contract-environment';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { KinesisHubWriter } from '@pipeline/msk-consumer/src/adapters/kinesis-hub-writer';
import { createLogger } from '@pipeline/shared';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createTransformHandler } from '@pipeline/ingest-transform/src/handlers/transform';
import { settingsFromEnvironment } from '@pipeline/ingest-transform/src/settings';
import { gunzipSync } from 'node:zlib';
import { DeliveryStream } from '../../src/aws/firehose/DeliveryStream';
import { JsonEncoder } from '../../src/aws/firehose/encoders';
import { KinesisStream, StreamReader, type StoredRecord } from '../../src/aws/kinesis/KinesisStream';
import { ObjectStore } from '../../src/aws/s3/ObjectStore';
import { clockAt, tempRoot, T0 } from './support';

// The simulators are only useful if the services' own code runs against them unchanged.
describe('simulators against the services they serve', () => {
  it("serves as the Kinesis client of msk-consumer's hub writer, throttling included", async () => {
    const clock = clockAt();
    const hub = new KinesisStream({ name: 'ingest-transform-local-telemetry', shardCount: 1, clock });
    const writer = new KinesisHubWriter({
      client: hub as unknown as KinesisClient,
      streamName: hub.name,
      clock: { now: () => clock.now(), sleep: async (ms) => void clock.advance(ms) },
      random: () => 0.5,
    });
    const records = Array.from({ length: 1500 }, (_, index) => ({
      partitionKey: `dev-${index % 7}`,
      data: Buffer.from(`{"n":${index}}`),
      source: { topic: 'telemetry', partition: 0, offset: index },
    }));

    const stats = await writer.put(records, { deadlineMs: clock.now() + 60_000 });

    expect(stats.retriedEntries).toBeGreaterThan(0);
    const reader = new StreamReader(hub, 'check');
    const stored = reader.peek('shardId-000000000000', 10_000) as StoredRecord[];
    expect(
      stored.map((record) => JSON.parse(Buffer.from(record.data).toString()).n).sort((a, b) => a - b),
    ).toEqual(records.map((_, index) => index));
  });

  it("delivers ingest-transform's real handler output to the lake", async () => {
    const { root, cleanup } = await tempRoot();
    try {
      const clock = clockAt();
      const hub = new KinesisStream({ name: 'hub', shardCount: 2, clock });
      const store = new ObjectStore({ root, clock });
      await store.createBucket('ingest');
      const firehose = new DeliveryStream({
        name: 'ingest-transform-local-lake',
        source: hub,
        clock,
        processor: {
          functionName: 'ingest-transform-local-transform',
          handler: createTransformHandler({
            settings: settingsFromEnvironment(),
            logger: createLogger(),
            metrics: new Metrics(),
          }),
        },
        destination: {
          store,
          bucket: 'ingest',
          encoder: new JsonEncoder({ gzip: true }),
          bufferSizeMB: 64,
          bufferIntervalSeconds: 60,
        },
      });
      const messages = [
        {
          deviceId: 'dev-0001',
          timestamp: new Date(T0 - 90_000).toISOString(),
          metrics: { temperature: 21.5 },
        },
        { deviceId: 'dev-0002', timestamp: T0 - 30_000, metrics: { humidity: 40 } },
        { deviceId: 'dev-0003', type: 'heartbeat' },
        { deviceId: 'dev-0004', timestamp: 'yesterday', metrics: { temperature: 1 } },
      ];
      await hub.putRecords({
        Records: messages.map((message) => ({
          PartitionKey: message.deviceId,
          Data: Buffer.from(JSON.stringify(message)),
        })),
      });

      clock.advance(60_000);
      await firehose.poll();
      clock.advance(60_000);
      await firehose.poll();

      expect(firehose.stats).toMatchObject({
        ok: 2,
        dropped: 1,
        processingFailed: 1,
        failedInvocations: 0,
        delivered: 2,
      });
      const keys: string[] = [];
      for await (const key of store.keys('ingest')) keys.push(key);
      expect(keys.map((key) => key.replace(/[^/]+$/, ''))).toEqual([
        'errors/processing-failed/dt=2026-03-01/hour=10/',
        'raw/dt=2026-03-01/hour=09/',
      ]);
      const lake = gunzipSync(
        (await store.getObject({ Bucket: 'ingest', Key: keys[1] as string })).Body,
      ).toString();
      expect(
        lake
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).device_id)
          .sort(),
      ).toEqual(['dev-0001', 'dev-0002']);
    } finally {
      await cleanup();
    }
  });
});
