import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_EVENT_TIME_POLICY } from '@pipeline/shared';
import { lambdaContext } from '@pipeline/shared/testing';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { WINDOW_PART_TABLE, createSinkHandler } from '@pipeline/analytics-sink';
import {
  INVALID_RECORDS,
  reading,
  windowEvent,
  type RecordSpec,
} from '../../../services/analytics-sink/tests/events';
import { MemoryWarehouse } from '../../../services/analytics-sink/tests/memory-warehouse';
import { sinkSettings } from '../../../services/analytics-sink/tests/settings';
import { createTransformHandler } from '@pipeline/ingest-transform';
import { createConsumerHandler, type HubRecord, type QuarantinedRecord } from '@pipeline/msk-consumer';
import { LAKE_RELATION, reportQuery, createRunnerHandler, loadReports } from '@pipeline/report-runner';
import { TEST_SETTINGS } from '../../../services/report-runner/tests/support/expected';
import {
  FakeQueryEngine,
  MemoryObjectStore,
  partitionQueried,
  RecordingWarehouse,
} from '../../../services/report-runner/tests/support/fakes';
import {
  ARRIVAL,
  INGEST_BUCKET,
  MSK_CORPUS,
  RUNNER_CORPUS,
  SINK_CORPUS,
  TRANSFORM_CORPUS,
  goodReading,
} from './corpus';

const ARRIVAL_MS = Date.parse(ARRIVAL);

/** Counts what the handlers publish, by metric name and `reason` dimension (a local CloudWatch). */
class CountingMetrics {
  readonly counts: Record<string, number> = {};
  private add(name: string, value: number, reason?: string) {
    const key = reason ? `${name}.${reason}` : name;
    this.counts[key] = (this.counts[key] ?? 0) + value;
  }
  addMetric(name: string, _unit: unknown, value: number) {
    this.add(name, value);
  }
  singleMetric() {
    let reason: string | undefined;
    return {
      addDimension: (_name: string, value: string) => {
        reason = value;
      },
      // The [service] dimension set of the total: the same value, not another count.
      addDimensions: () => undefined,
      addMetric: (name: string, _unit: unknown, value: number) => this.add(name, value, reason),
    };
  }
  /** The counts of one metric by reason. */
  byReason(name: string): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.counts)
        .filter(([key, value]) => key.startsWith(`${name}.`) && value > 0)
        .map(([key, value]) => [key.slice(name.length + 1), value]),
    );
  }
}

/** A logger that keeps what the handlers warn about (e.g. `record rejected` with id and reason). */
const silentLogger = (warnings: Record<string, unknown>[] = []): Logger =>
  ({
    appendKeys: () => undefined,
    info: () => undefined,
    warn: (message: string, details: Record<string, unknown> = {}) => warnings.push({ message, ...details }),
    error: () => undefined,
    debug: () => undefined,
  }) as unknown as Logger;

const tally = (outcomes: string[]): Record<string, number> =>
  outcomes.reduce<Record<string, number>>((counts, outcome) => {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    return counts;
  }, {});

const NAMES = [...TRANSFORM_CORPUS, ...MSK_CORPUS, ...RUNNER_CORPUS, ...SINK_CORPUS].map(({ name }) => name);

describe('the bad-input corpus', () => {
  it('holds at least 40 distinct bad inputs, each named once', () => {
    expect(new Set(NAMES).size).toBe(NAMES.length);
    expect(NAMES.length).toBeGreaterThanOrEqual(40);
  });
});

describe('ingest-transform on the corpus, all in one Firehose batch', () => {
  const metrics = new CountingMetrics();
  const warnings: Record<string, unknown>[] = [];
  const handler = createTransformHandler({
    settings: {
      maxRecordBytes: 65_536,
      eventTime: DEFAULT_EVENT_TIME_POLICY,
      responseLimitBytes: 6_000_000 - 65_536,
    },
    logger: silentLogger(warnings),
    metrics: metrics as unknown as Metrics,
  });
  const recordId = (index: number) =>
    `4965745142793851324672510383671608511623458495343198208${String(index).padStart(4, '0')}00000000000`;
  const event = {
    invocationId: '5b0a7a9e-2f3c-4d8e-9a51-3c2d7e1f0b64',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/ingest-transform-dev-lake',
    region: 'us-east-1',
    records: TRANSFORM_CORPUS.map(({ input }, index) => ({
      recordId: recordId(index),
      approximateArrivalTimestamp: ARRIVAL_MS,
      data: input,
    })),
  };
  let response: Awaited<ReturnType<typeof handler>>;
  const pollutionBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    response = await handler(event);
  });

  it('answers every record with its own id, in order', () => {
    expect(response.records.map((record) => record.recordId)).toEqual(
      event.records.map((record) => record.recordId),
    );
  });

  it.each(TRANSFORM_CORPUS.map((entry, index) => [entry.name, entry, index] as const))(
    '%s',
    (_name, entry, index) => {
      const record = response.records[index]!;
      if (entry.expected === 'Ok' || entry.expected === 'Dropped') {
        expect(record.result).toBe(entry.expected);
      } else {
        expect(record.result).toBe('ProcessingFailed');
        expect(
          warnings.filter((warning) => warning.recordId === record.recordId).map(({ reason }) => reason),
        ).toEqual([entry.expected]);
        // The error prefix gets the original bytes, so the record can be inspected and re-driven.
        expect(record.data).toBe(entry.input);
      }
    },
  );

  it('counts every failure under its expected reason, and nothing else', () => {
    const failures = TRANSFORM_CORPUS.filter(({ expected }) => expected !== 'Ok' && expected !== 'Dropped');
    expect(metrics.byReason('RecordsFailed')).toEqual(tally(failures.map(({ expected }) => expected)));
    expect(metrics.counts.RecordsOk).toBe(
      TRANSFORM_CORPUS.filter(({ expected }) => expected === 'Ok').length,
    );
    expect(metrics.byReason('RecordsDropped')).toEqual({ heartbeat: 1 });
  });

  it('pollutes no prototype', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pollutionBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).deviceId).toBeUndefined();
  });
});

describe('msk-consumer on the corpus, all in one MSK batch', () => {
  const metrics = new CountingMetrics();
  const forwarded: HubRecord[] = [];
  const quarantined: QuarantinedRecord[] = [];
  const handler = createConsumerHandler({
    settings: {
      maxValueBytes: 1_048_576,
      maxHubRecordBytes: 1_048_576,
      eventTime: DEFAULT_EVENT_TIME_POLICY,
    },
    hub: {
      put: async (records) => {
        forwarded.push(...records);
        return { requests: 1, retriedEntries: 0 };
      },
    },
    quarantine: {
      put: async (records) => {
        quarantined.push(...records);
      },
    },
    logger: silentLogger(),
    metrics: metrics as unknown as Metrics,
    now: () => ARRIVAL_MS,
  });
  const records = MSK_CORPUS.map(({ input }, offset) => ({
    topic: 'telemetry',
    partition: 0,
    offset,
    timestamp: input.timestamp ?? ARRIVAL_MS,
    timestampType: 'CREATE_TIME',
    ...(input.key === undefined ? {} : { key: input.key }),
    ...('value' in input ? { value: input.value } : {}),
    headers: input.headers ?? [],
  }));
  const event = {
    eventSource: 'aws:kafka' as const,
    eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/telemetry/5c9a3b2e',
    bootstrapServers: 'b-1.telemetry.kafka.us-east-1.amazonaws.com:9098',
    records: { 'telemetry-0': records },
  };
  let summary: Awaited<ReturnType<typeof handler>>;

  beforeAll(async () => {
    summary = await handler(event as never, lambdaContext('msk-consumer-test-consumer', 60_000));
  });

  it.each(MSK_CORPUS.map((entry, offset) => [entry.name, entry, offset] as const))(
    '%s',
    (_name, entry, offset) => {
      const inHub = forwarded.filter(({ source }) => source.offset === offset);
      const inQuarantine = quarantined.filter((record) => record.offset === offset);
      if (entry.expected === 'forwarded') {
        expect([inHub.length, inQuarantine.length]).toEqual([1, 0]);
      } else if (entry.expected === 'tombstone' || entry.expected === 'no_value') {
        expect([inHub.length, inQuarantine.length]).toEqual([0, 0]);
      } else {
        expect(inHub).toHaveLength(0);
        expect(inQuarantine.map(({ reason }) => reason)).toEqual([entry.expected]);
        // Quarantined with the original value, for inspection and replay from S3.
        expect(inQuarantine[0]?.value).toBe(entry.input.value);
      }
    },
  );

  it('accounts for every record exactly once: forwarded, quarantined or skipped', () => {
    const expected = tally(MSK_CORPUS.map(({ expected }) => expected));
    const { forwarded: _forwarded, tombstone = 0, no_value = 0, ...poison } = expected;
    expect(summary.received).toBe(MSK_CORPUS.length);
    expect(summary.forwarded).toBe(expected.forwarded ?? 0);
    expect(summary.skipped).toEqual({
      ...(tombstone ? { tombstone } : {}),
      ...(no_value ? { no_value } : {}),
    });
    expect(summary.quarantined).toEqual(poison);
    expect(metrics.byReason('RecordsQuarantined')).toEqual(poison);
  });
});

describe('report-runner on the corpus, all in one SQS batch', () => {
  const reports = loadReports();
  const engine = new FakeQueryEngine(reports);
  const metrics = new CountingMetrics();
  const handler = createRunnerHandler({
    runner: {
      engine,
      store: new MemoryObjectStore(),
      warehouse: new RecordingWarehouse(),
      reports,
      settings: TEST_SETTINGS,
      lakeRelation: LAKE_RELATION,
      reportConcurrency: 2,
    },
    logger: silentLogger(),
    metrics: metrics as unknown as Metrics,
    ingestBucket: INGEST_BUCKET,
    partitionConcurrency: 2,
    rerunDaysBack: 1,
  });
  const messageId = (index: number) => `6f1f3c9e-2b1d-4a7e-8c55-1d2e3f4a${String(index).padStart(4, '0')}`;
  const event: SQSEvent = {
    Records: RUNNER_CORPUS.map(({ input }, index) => ({
      messageId: messageId(index),
      receiptHandle: `AQEB${index}`,
      body: input,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1772360201000',
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1772360201000',
      },
      messageAttributes: {},
      md5OfBody: '0'.repeat(32),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:report-runner-dev-runs',
      awsRegion: 'us-east-1',
    })),
  };
  let response: SQSBatchResponse;

  beforeAll(async () => {
    response = (await handler(
      event,
      lambdaContext('report-runner-test-runner', 300_000),
    )) as SQSBatchResponse;
  });

  it.each(RUNNER_CORPUS.map((entry, index) => [entry.name, entry, index] as const))(
    '%s',
    (_name, entry, index) => {
      const failed = response.batchItemFailures.some(
        ({ itemIdentifier }) => itemIdentifier === messageId(index),
      );
      // Rejected messages fail alone: SQS redelivers them and dead-letters them after maxReceiveCount.
      expect(failed).toBe(entry.expected !== 'run' && entry.expected !== 'ignored');
    },
  );

  it('counts every rejected message under its expected reason', () => {
    const rejected = RUNNER_CORPUS.filter(({ expected }) => expected !== 'run' && expected !== 'ignored');
    expect(metrics.byReason('MessagesRejected')).toEqual(tally(rejected.map(({ expected }) => expected)));
  });

  it('runs each valid partition once, with the report SQL unchanged and only dt/hour as parameters', () => {
    const partitions = new Set(engine.requests.map((request) => partitionQueried(reports, request)));
    expect([...partitions].sort()).toEqual(['2026-03-01/10', '2026-03-01/11', '2026-03-01/12']);
    for (const request of engine.requests) {
      const report = reports.find(({ name }) => name === request.name)!;
      const partition = { dt: '2026-03-01', hour: '10' };
      // The report file with its relations bound from configuration: no text of a message.
      expect(request.sql).toBe(
        reportQuery({ settings: TEST_SETTINGS, lakeRelation: LAKE_RELATION }, report, partition).sql,
      );
    }
  });
});

describe('analytics-sink on the corpus', () => {
  const WINDOW = { start: '2026-11-25T08:00:00Z', end: '2026-11-25T08:01:00Z' };
  const NEXT = { start: '2026-11-25T08:01:00Z', end: '2026-11-25T08:02:00Z' };
  const valid = (n: number, device: string, window = WINDOW, second = 4): RecordSpec => ({
    n,
    arrivedAfter: (Date.parse(window.start) - Date.parse(WINDOW.start)) / 1000 + second,
    payload: reading(device, new Date(Date.parse(window.start) + second * 1000).toISOString(), {
      temperature: 20 + (n % 5),
    }),
  });

  const setup = () => {
    const metrics = new CountingMetrics();
    const warehouse = new MemoryWarehouse();
    const handler = createSinkHandler({
      settings: sinkSettings(),
      warehouse,
      publisher: { publish: async () => undefined },
      logger: silentLogger(),
      metrics: metrics as unknown as Metrics,
      now: () => Date.parse('2026-11-25T08:02:03Z'),
    });
    const eventCount = () =>
      warehouse.rows(WINDOW_PART_TABLE).reduce((sum, row) => sum + Number(row.event_count), 0);
    return { metrics, warehouse, handler, eventCount };
  };

  const scenarios: Record<(typeof SINK_CORPUS)[number]['input'], () => Promise<void>> = {
    'malformed records': async () => {
      const { handler, metrics, eventCount } = setup();
      const open = await handler(
        windowEvent({ records: [valid(1, 'dev-0001'), ...INVALID_RECORDS, valid(2, 'dev-0002')] }),
      );
      expect(open.batchItemFailures).toEqual([]);
      await handler(windowEvent({ records: [], state: open.state, final: true }));
      const rejected = Object.values(metrics.byReason('RecordsRejected')).reduce(
        (sum, count) => sum + count,
        0,
      );
      // INVALID_RECORDS ends with one valid control reading.
      expect(rejected).toBe(INVALID_RECORDS.length - 1);
      expect(eventCount()).toBe(3);
    },
    'final invocation without state': async () => {
      const { handler, warehouse } = setup();
      await expect(handler(windowEvent({ records: [], state: {}, final: true }))).resolves.toEqual({
        state: {},
        batchItemFailures: [],
      });
      expect(warehouse.rows(WINDOW_PART_TABLE)).toEqual([]);
    },
    'null state in the middle of a window': async () => {
      const { handler, eventCount } = setup();
      const event = { ...windowEvent({ records: [valid(1, 'dev-0001')] }), state: null };
      const open = await handler(event as never);
      await handler(windowEvent({ records: [], state: open.state, final: true }));
      expect(eventCount()).toBe(1);
    },
    'out-of-order windows': async () => {
      const { handler, warehouse, eventCount } = setup();
      const early = await handler(windowEvent({ records: [valid(1, 'dev-0001'), valid(2, 'dev-0002')] }));
      const late = await handler(windowEvent({ records: [valid(3, 'dev-0001', NEXT)], window: NEXT }));
      await handler(windowEvent({ records: [], state: late.state, final: true, window: NEXT }));
      await handler(windowEvent({ records: [], state: early.state, final: true }));
      // Replaying the earlier window's final invocation again rewrites the same rows.
      await handler(windowEvent({ records: [], state: early.state, final: true }));
      expect(eventCount()).toBe(3);
      expect(
        warehouse
          .rows(WINDOW_PART_TABLE)
          .map((row) => `${row.device_id} ${String(row.window_start)}`)
          .sort(),
      ).toHaveLength(3);
    },
    'redelivered batch': async () => {
      const { handler, metrics, eventCount } = setup();
      const batch = [valid(1, 'dev-0001'), valid(2, 'dev-0002')];
      const first = await handler(windowEvent({ records: batch }));
      const second = await handler(windowEvent({ records: batch, state: first.state }));
      await handler(windowEvent({ records: [], state: second.state, final: true }));
      expect(eventCount()).toBe(2);
      expect(metrics.counts.RecordsDuplicate).toBe(2);
    },
  };

  it.each(SINK_CORPUS.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    await scenarios[entry.input]();
  });
});

// Keep the good reading referenced: it documents what every transform entry breaks.
it('the corpus base reading is itself valid', async () => {
  const handler = createTransformHandler({
    settings: { maxRecordBytes: 65_536, eventTime: DEFAULT_EVENT_TIME_POLICY, responseLimitBytes: 5_000_000 },
    logger: silentLogger(),
    metrics: new CountingMetrics() as unknown as Metrics,
  });
  const { records } = await handler({
    invocationId: 'i',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/x',
    region: 'us-east-1',
    records: [
      {
        recordId: 'r',
        approximateArrivalTimestamp: ARRIVAL_MS,
        data: Buffer.from(JSON.stringify(goodReading())).toString('base64'),
      },
    ],
  });
  expect(records[0]?.result).toBe('Ok');
});
