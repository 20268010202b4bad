import './contract-environment';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { KinesisHubWriter } from '@pipeline/msk-consumer/adapters';
import { createLogger } from '@pipeline/shared/runtime/lambda';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  createTransformHandler,
  settingsFromEnvironment,
  DEFAULT_PROCESSOR_BUFFER_SIZE_MB,
  SMALLEST_VALID_READING,
} from '@pipeline/ingest-transform';
import { gunzipSync } from 'node:zlib';
import { DeliveryStream } from '../../src/aws/firehose/DeliveryStream';
import { JsonEncoder } from '../../src/aws/firehose/encoders';
import { KinesisStream } from '../../src/aws/kinesis/KinesisStream';
import type { StoredRecord } from '../../src/aws/kinesis/Shard';
import { StreamReader } from '../../src/aws/kinesis/StreamReader';
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

  // The transform's response can be many times the buffer (a terse reading becomes a canonical
  // line); the deployed processor buffer size is bounded so that valid readings never have to be
  // diverted as response_size_limit (services/ingest-transform/src/domain/processor-buffer.ts).
  it.each([
    ['diverts none', 'the deployed default', Number(DEFAULT_PROCESSOR_BUFFER_SIZE_MB)],
    ['diverts some', "Firehose's own default of 1 MB, which package time refuses", 1],
  ])(
    '%s of a hub full of the smallest valid readings with %s processor buffer',
    async (outcome, _name, bufferSizeMB) => {
      const { root, cleanup } = await tempRoot();
      try {
        // The smallest valid reading carries the time 2e9 (epoch seconds): arrive then.
        const clock = clockAt(2e12);
        const hub = new KinesisStream({
          name: 'hub',
          shardCount: 1,
          clock,
          writeLimits: { bytesPerSecond: 1e9, recordsPerSecond: 1e9 },
        });
        const store = new ObjectStore({ root, clock });
        await store.createBucket('ingest');
        const firehose = new DeliveryStream({
          name: 'ingest-transform-local-lake',
          source: hub,
          clock,
          startingPosition: 'TRIM_HORIZON',
          processor: {
            functionName: 'ingest-transform-local-transform',
            handler: createTransformHandler({
              settings: settingsFromEnvironment(),
              logger: createLogger(),
              metrics: new Metrics(),
            }),
            bufferSizeMB,
          },
          destination: {
            store,
            bucket: 'ingest',
            encoder: new JsonEncoder({ gzip: true }),
            bufferSizeMB: 64,
            bufferIntervalSeconds: 60,
          },
        });
        const count = Math.ceil((1.05 * 1024 * 1024) / SMALLEST_VALID_READING.length);
        for (let start = 0; start < count; start += 500)
          await hub.putRecords({
            Records: Array.from({ length: Math.min(500, count - start) }, () => ({
              PartitionKey: 'a',
              Data: Buffer.from(SMALLEST_VALID_READING),
            })),
          });

        clock.advance(60_000);
        await firehose.poll();
        await firehose.flush();

        expect(firehose.stats.recordsRead).toBe(count);
        expect(firehose.stats.failedInvocations).toBe(0);
        expect(firehose.stats.ok + firehose.stats.processingFailed).toBe(count);
        if (outcome === 'diverts none') expect(firehose.stats.processingFailed).toBe(0);
        else expect(firehose.stats.processingFailed).toBeGreaterThan(count / 10);
      } finally {
        await cleanup();
      }
    },
    30_000,
  );

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
