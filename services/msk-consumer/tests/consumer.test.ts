import './support/environment';
import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_EVENT_TIME_POLICY } from '@pipeline/shared';
import {
  createConsumerHandler,
  hubDeadline,
  MskEventSchema,
  type ConsumerDependencies,
} from '../src/handlers/consumer-handler';
import { HubWriteError, type HubRecord, type HubWriter, type QuarantinedRecord } from '../src/domain/ports';
import { b64, kafkaRecord, mskEvent, NOW, reading, type RawMskEvent } from './support/events';
import { recordingMetrics } from './support/metrics';

const REMAINING_MS = 60_000;
const context = { getRemainingTimeInMillis: () => REMAINING_MS };

/** Fake ports that remember what they were given. */
const fakePorts = () => {
  const forwarded: HubRecord[] = [];
  const quarantined: QuarantinedRecord[] = [];
  const deadlines: number[] = [];
  const hub: HubWriter = {
    put: async (records, { deadlineMs }) => {
      deadlines.push(deadlineMs);
      forwarded.push(...records);
      return { requests: records.length > 0 ? 1 : 0, retriedEntries: 0 };
    },
  };
  return {
    hub,
    quarantine: { put: async (records: readonly QuarantinedRecord[]) => void quarantined.push(...records) },
    forwarded,
    quarantined,
    deadlines,
  };
};

const setUp = (overrides: Partial<ConsumerDependencies> = {}) => {
  const ports = fakePorts();
  const recorder = recordingMetrics();
  const handler = createConsumerHandler({
    settings: {
      maxValueBytes: 1024 * 1024,
      maxHubRecordBytes: 1024 * 1024,
      eventTime: DEFAULT_EVENT_TIME_POLICY,
    },
    hub: ports.hub,
    quarantine: ports.quarantine,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: recorder.metrics,
    now: () => NOW,
    ...overrides,
  });
  const invoke = (event: RawMskEvent) => handler(MskEventSchema.parse(event), context);
  return { ...ports, ...recorder, invoke };
};

const decoded = (record: HubRecord) =>
  JSON.parse(Buffer.from(record.data).toString('utf8')) as Record<string, unknown>;

describe('consumer handler', () => {
  it('forwards the readings of every topic-partition, in order, keyed by device id', async () => {
    const { invoke, forwarded, quarantined } = setUp();

    const summary = await invoke(mskEvent('msk-telemetry'));

    expect(
      forwarded.map((record) => [
        record.partitionKey,
        decoded(record).kafka_partition,
        decoded(record).kafka_offset,
      ]),
    ).toEqual([
      ['dev-0001', 0, 1042],
      ['dev-0001', 0, 1043],
      ['dev-0002', 1, 877],
      ['dev-0003', 2, 5310],
    ]);
    expect(
      forwarded.every(
        (record) => decoded(record).source === 'msk' && decoded(record).kafka_topic === 'telemetry',
      ),
    ).toBe(true);
    expect(quarantined).toEqual([]);
    expect(summary).toEqual({
      received: 5,
      forwarded: 4,
      quarantined: {},
      skipped: {},
      dropped: { heartbeat: 1 },
    });
  });

  it('reads records with headers, null keys and absent keys alike', async () => {
    const { invoke, forwarded } = setUp();
    const event = mskEvent('msk-telemetry');
    expect(event.records['telemetry-1']?.[0]).not.toHaveProperty('key');
    event.records['telemetry-1']![0]!.key = null;

    await invoke(event);

    expect(forwarded.map((record) => record.partitionKey)).toContain('dev-0002');
  });

  it('normalises a value whose timestamp is in epoch seconds', async () => {
    const { invoke, forwarded } = setUp();

    await invoke(mskEvent('msk-telemetry'));

    const epochSeconds = forwarded.find((record) => record.source.offset === 1043);
    expect(decoded(epochSeconds!)).toMatchObject({
      event_time: '2026-11-25T08:01:00.000Z',
      ingest_time: '2026-11-25T08:01:05.130Z',
    });
  });

  it('quarantines poison records, skips the tombstone and still forwards the valid record behind them', async () => {
    const { invoke, forwarded, quarantined, points } = setUp();

    const summary = await invoke(mskEvent('msk-poison'));

    expect(summary).toEqual({
      received: 8,
      forwarded: 1,
      quarantined: {
        invalid_json: 1,
        invalid_metrics: 1,
        invalid_device_id: 1,
        not_an_object: 1,
        event_time_too_old: 1,
      },
      skipped: { tombstone: 1, no_value: 1 },
      dropped: {},
    });
    expect(forwarded.map((record) => record.source.offset)).toEqual([2003]);
    expect(quarantined.find((record) => record.offset === 2002)).toMatchObject({
      topic: 'telemetry',
      partition: 0,
      reason: 'invalid_json',
      value: mskEvent('msk-poison').records['telemetry-0']![1]!.value,
      headers: [{ name: 'content-type', value: { value: 'application/json', encoding: 'utf8' } }],
    });
    expect(points).toEqual(
      expect.arrayContaining([
        { name: 'RecordsReceived', value: 8 },
        { name: 'RecordsForwarded', value: 1 },
        { name: 'HubRetries', value: 0 },
        { name: 'RecordsQuarantined', value: 1, reason: 'invalid_json' },
        { name: 'RecordsQuarantined', value: 1, reason: 'event_time_too_old' },
        { name: 'RecordsSkipped', value: 1, reason: 'tombstone' },
        { name: 'RecordsSkipped', value: 1, reason: 'no_value' },
      ]),
    );
  });

  it('quarantines a value larger than a Kinesis record with its coordinates and original payload', async () => {
    const { invoke, quarantined, forwarded, total } = setUp();
    const event = mskEvent('msk-telemetry');
    const huge = b64(JSON.stringify(reading({ firmware: '9.9.9', notes: 'x'.repeat(1024 * 1024) })));
    event.records['telemetry-2']!.push(kafkaRecord(null, { partition: 2, offset: 5311, value: huge }));

    await invoke(event);

    expect(quarantined).toEqual([
      expect.objectContaining({ partition: 2, offset: 5311, reason: 'oversized_record', value: huge }),
    ]);
    expect(forwarded).toHaveLength(4);
    expect(total('RecordsQuarantined')).toBe(1);
  });

  it('gives the hub the remaining invocation time less a reserve as its deadline', async () => {
    const { invoke, deadlines } = setUp();

    await invoke(mskEvent('msk-telemetry'));

    expect(deadlines).toEqual([NOW + REMAINING_MS - 6_000]);
    expect(hubDeadline(0, 10_000)).toBe(8_000);
  });

  it('fails the invocation when the hub stays unavailable, after quarantining and counting what it could', async () => {
    const unavailable = new HubWriteError(
      'hub unavailable within the time budget',
      { requests: 7, retriedEntries: 12 },
      1,
    );
    const ports = fakePorts();
    const { invoke, quarantined, points, total } = setUp({
      hub: { put: async () => Promise.reject(unavailable) },
      quarantine: ports.quarantine,
    });

    await expect(invoke(mskEvent('msk-poison'))).rejects.toBe(unavailable);

    expect(ports.quarantined).toHaveLength(5);
    expect(quarantined).toEqual([]);
    expect(points).toEqual(
      expect.arrayContaining([
        { name: 'RecordsReceived', value: 8 },
        { name: 'HubRetries', value: 12 },
      ]),
    );
    expect(total('RecordsForwarded')).toBe(0);
    expect(total('RecordsQuarantined')).toBe(5);
  });

  it('fails the invocation when the quarantine cannot be written, so no poison record is lost', async () => {
    const { invoke, total } = setUp({
      quarantine: { put: async () => Promise.reject(new Error('SlowDown')) },
    });

    await expect(invoke(mskEvent('msk-poison'))).rejects.toThrow('SlowDown');
    expect(total('RecordsQuarantined')).toBe(0);
    expect(total('RecordsForwarded')).toBe(1);
  });

  it('reports both failures when quarantine and hub fail together', async () => {
    const { invoke } = setUp({
      quarantine: { put: async () => Promise.reject(new Error('SlowDown')) },
      hub: {
        put: async () => Promise.reject(new HubWriteError('hub down', { requests: 1, retriedEntries: 0 }, 1)),
      },
    });

    await expect(invoke(mskEvent('msk-poison'))).rejects.toBeInstanceOf(AggregateError);
  });

  it('accepts a batch that contains only tombstones', async () => {
    const { invoke, forwarded } = setUp();
    const event = mskEvent('msk-telemetry');
    event.records = { 'telemetry-0': [kafkaRecord(null, { value: null })] };

    await expect(invoke(event)).resolves.toMatchObject({ received: 1, skipped: { tombstone: 1 } });
    expect(forwarded).toEqual([]);
  });
});

describe('MskEventSchema', () => {
  it('keeps values base64 and accepts tombstones, which Powertools’ schema would reject', () => {
    const parsed = MskEventSchema.parse(mskEvent('msk-poison'));

    expect(parsed.records['telemetry-0']?.[0]?.value).toBeNull();
    expect(parsed.records['telemetry-2']?.[0]?.value).toBeUndefined();
    expect(parsed.records['telemetry-0']?.[1]?.value).toBe(
      mskEvent('msk-poison').records['telemetry-0']![1]!.value,
    );
  });

  // AWS sends header bytes signed (a Java byte[]: aws/aws-lambda-go#506); tests and tools often
  // write them unsigned. Both are the same bytes.
  it('accepts header bytes in the signed form AWS sends and in the unsigned form', async () => {
    const { invoke, forwarded } = setUp();
    const event = mskEvent('msk-signed-headers');
    event.records['telemetry-0']!.push(
      kafkaRecord(reading(), { offset: 2, headers: [{ trace: [118, 220, 0, 127, 128] }] }),
    );

    await expect(invoke(event)).resolves.toMatchObject({ received: 3, forwarded: 2 });
    expect(forwarded).toHaveLength(2);
  });

  it('leaves a malformed header to its record (quarantined) instead of rejecting the batch', async () => {
    const { invoke, forwarded, quarantined } = setUp();
    const event = mskEvent('msk-telemetry');
    event.records['telemetry-0']![0]!.headers = [{ trace: [1, 300] }] as never;

    await expect(invoke(event)).resolves.toMatchObject({ quarantined: { invalid_header: 1 } });
    expect(quarantined.map(({ reason }) => reason)).toEqual(['invalid_header']);
    expect(forwarded.length).toBeGreaterThan(0);
  });

  it('rejects an event that is not from MSK', () => {
    expect(() =>
      MskEventSchema.parse({ ...mskEvent('msk-telemetry'), eventSource: 'SelfManagedKafka' }),
    ).toThrow();
  });
});
