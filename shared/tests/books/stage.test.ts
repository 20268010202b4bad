import {
  allowedDifference,
  BOOKS_SETTLE_SECONDS,
  collectStageCounts,
  EXACT,
  previousHour,
  reconcileStage,
  stageBooksText,
  unsettledProblem,
  type MetricSpec,
  type StageCounts,
  type StageSources,
} from '@pipeline/shared/books';

const HOUR = { fromMs: Date.UTC(2026, 11, 6, 9), toMs: Date.UTC(2026, 11, 6, 10) };

/** An hour of a stage in which every record is accounted for. */
const balanced = (): StageCounts => ({
  // 900 device records + 95 forwarded by msk-consumer.
  hubIncoming: 995,
  kafka: { received: 100, forwarded: 95, dropped: { tombstone: 3 }, quarantined: { not_json: 2 } },
  firehose: { readFromHub: 995, deliveredToS3: 950 },
  transform: {
    ok: 950,
    dropped: { heartbeat: 20 },
    failed: { invalid_json: 20, schema_violation: 5 },
  },
  lake: { devices: 856, kafka: 94, partitions: [{ dt: '2026-12-06', hour: '09' }] },
  // 25 processing failures, one of them a forwarded Kafka record.
  quarantine: {
    bySource: { devices: 24, kafka: 1 },
    batchFailures: { devices: {}, kafka: {} },
    formatConversionFailed: 0,
  },
  reports: { runs: 6, missing: [] },
  realtime: { counted: 950, windowRows: 40, alerts: 2 },
});

describe('the books of a stage', () => {
  it('balances an hour in which every hop accounts for every record', () => {
    const books = reconcileStage(balanced(), HOUR, EXACT);
    expect(books.problems).toEqual([]);
    expect(books.drift).toBe(0);
    expect(books.sources.devices).toEqual({
      produced: 900,
      delivered: 856,
      dropped: { heartbeat: 20 },
      failed: { invalid_json: 20, schema_violation: 5, rejected_by_transform: -1 },
    });
    expect(books.sources.kafka).toEqual({
      produced: 100,
      delivered: 94,
      dropped: { tombstone: 3 },
      failed: { not_json: 2, rejected_by_transform: 1 },
    });
  });

  it('names the hop that loses records: the lake holds fewer rows than the transform accepted', () => {
    const counts = balanced();
    counts.lake.devices -= 10;
    const books = reconcileStage(counts, HOUR, EXACT);
    expect(books.problems).toContain(
      'transform -> lake loses: lake rows 940, expected 950 (allowed difference 0)',
    );
    expect(books.problems).toContain(
      'books: devices: produced 900 but delivered 846 + dropped 20 + failed 24 = 890',
    );
    expect(books.drift).toBe(10);
  });

  it('names the hop that duplicates: Firehose read more records than the hub took in', () => {
    const counts = balanced();
    counts.firehose.readFromHub += 7;
    const books = reconcileStage(counts, HOUR, EXACT);
    expect(books.problems).toEqual([
      'hub -> Firehose duplicates: records Firehose read from the hub 1002, expected 995 (allowed difference 0)',
      'Firehose -> transform loses: records with a transform outcome 995, expected 1002 (allowed difference 0)',
    ]);
  });

  it('accepts DeliveryToS3.Records with or without the error records, nothing outside', () => {
    const counts = balanced();
    counts.firehose.deliveredToS3 = 975;
    expect(reconcileStage(counts, HOUR, EXACT).problems).toEqual([]);
    counts.firehose.deliveredToS3 = 976;
    expect(reconcileStage(counts, HOUR, EXACT).problems).toEqual([
      'Firehose -> S3 duplicates: records Firehose delivered 976, expected 950 to 975 (allowed difference 0)',
    ]);
  });

  it('counts a missing report run as drift and names it', () => {
    const counts = balanced();
    counts.reports.missing = ['device_hourly_stats dt=2026-12-06/hour=09'];
    const books = reconcileStage(counts, HOUR, EXACT);
    expect(books.problems).toEqual([
      'lake -> reports: no device_hourly_stats dt=2026-12-06/hour=09 run manifest',
    ]);
    expect(books.drift).toBe(1);
  });

  it('puts records of batches Firehose gave up on in the failed column of their source', () => {
    const counts = balanced();
    counts.firehose.readFromHub += 5;
    counts.hubIncoming += 5;
    counts.quarantine.bySource.devices += 4;
    counts.quarantine.bySource.kafka += 1;
    counts.quarantine.batchFailures = {
      devices: { 'Lambda.FunctionError': 4 },
      kafka: { 'Lambda.FunctionError': 1 },
    };
    counts.kafka.received += 1;
    counts.kafka.forwarded += 1;
    const books = reconcileStage(counts, HOUR, EXACT);
    expect(books.problems).toEqual([]);
    expect(books.sources.devices.failed['Lambda.FunctionError']).toBe(4);
    expect(books.sources.kafka.failed['Lambda.FunctionError']).toBe(1);
  });

  it('allows each hop the share of records at the edges of the range, plus the absolute allowance', () => {
    // Two edges of 60 s in an hour: 1/30 of the records may fall on the other side.
    expect(allowedDifference(3000, HOUR, { edgeLagSeconds: 60, absolute: 0 })).toBe(100);
    expect(allowedDifference(3000, HOUR, { edgeLagSeconds: 60, absolute: 5 })).toBe(105);
    const counts = balanced();
    counts.lake.devices -= 30;
    counts.firehose.deliveredToS3 -= 30;
    const tolerant = reconcileStage(counts, HOUR, { edgeLagSeconds: 60, absolute: 0 });
    expect(tolerant.hops.find((hop) => hop.hop === 'transform -> lake')).toMatchObject({
      allowed: 32,
      drift: 0,
    });
    // The source still does not add up: the books say so even when every hop is within tolerance.
    expect(tolerant.problems).toEqual([
      'books: devices: produced 900 but delivered 826 + dropped 20 + failed 24 = 870',
    ]);
  });

  it('reconciles only ranges that ended at least the settle time ago', () => {
    expect(unsettledProblem(HOUR, HOUR.toMs + BOOKS_SETTLE_SECONDS * 1000)).toBeUndefined();
    expect(unsettledProblem(HOUR, HOUR.toMs + 600_000)).toBe(
      `the range ends 600 s ago: reconcile only ranges that ended at least ${BOOKS_SETTLE_SECONDS} s ago (Firehose buffers, metric delays, report runs)`,
    );
    expect(previousHour(Date.UTC(2026, 11, 6, 10, 35))).toEqual(HOUR);
  });

  it("prints npm start's books table, then every hop", () => {
    const text = stageBooksText(reconcileStage(balanced(), HOUR, EXACT), 'stage prod').join('\n');
    expect(text).toContain('Books of stage prod: 2026-12-06 09:00 -> 2026-12-06 10:00 UTC');
    expect(text).toMatch(/produced\s+900\s+100\s+1,000/);
    expect(text).toMatch(/forwarded from Kafka\s+-\s+95\s+95/);
    expect(text).toMatch(/balanced\s+yes\s+yes/);
    expect(text).toMatch(/hub -> Firehose:\s+records Firehose read from the hub: 995 of 995 {2}ok/);
    expect(text).toMatch(/drift:\s+0 records no hop accounts for/);
  });
});

describe('collecting a stage’s counts', () => {
  const resources = { hubStreamName: 'prod-telemetry', deliveryStreamName: 'prod-lake' };
  const key = (spec: MetricSpec) => `${spec.namespace}/${spec.name}/${JSON.stringify(spec.dimensions)}`;

  it('reads AWS metrics by their stream dimensions, the pipeline’s by service, reasons by the reason dimension', async () => {
    const counts = balanced();
    const values: Record<string, number> = {
      'AWS/Kinesis/IncomingRecords/{"StreamName":"prod-telemetry"}': counts.hubIncoming,
      'AWS/Firehose/DataReadFromKinesisStream.Records/{"DeliveryStreamName":"prod-lake"}': 995,
      'AWS/Firehose/DeliveryToS3.Records/{"DeliveryStreamName":"prod-lake"}': 950,
      'IngestionPipeline/RecordsOk/{"service":"ingest-transform"}': 950,
      'IngestionPipeline/RecordsDropped/{"service":"ingest-transform"}': 20,
      'IngestionPipeline/RecordsFailed/{"service":"ingest-transform"}': 25,
      'IngestionPipeline/RecordsReceived/{"service":"msk-consumer"}': 100,
      'IngestionPipeline/RecordsForwarded/{"service":"msk-consumer"}': 95,
      'IngestionPipeline/RecordsDropped/{"service":"msk-consumer"}': 3,
      'IngestionPipeline/RecordsQuarantined/{"service":"msk-consumer"}': 2,
      'IngestionPipeline/RecordsCounted/{"service":"analytics-sink"}': 950,
      'IngestionPipeline/WindowRowsWritten/{"service":"analytics-sink"}': 40,
      'IngestionPipeline/AlertsPublished/{"service":"analytics-sink"}': 2,
      'IngestionPipeline/ReportRuns/{"service":"report-runner"}': 6,
    };
    const reasons: Record<string, Record<string, number>> = {
      'IngestionPipeline/RecordsDropped/{"service":"ingest-transform"}': { heartbeat: 20 },
      // One reason missing from the breakdown: the total under [service] still counts it.
      'IngestionPipeline/RecordsFailed/{"service":"ingest-transform"}': { invalid_json: 20 },
      'IngestionPipeline/RecordsDropped/{"service":"msk-consumer"}': { tombstone: 3 },
      'IngestionPipeline/RecordsQuarantined/{"service":"msk-consumer"}': { not_json: 2 },
    };
    const ranges: unknown[] = [];
    const sources: StageSources = {
      metrics: {
        sums: async (specs, range) => {
          ranges.push(range);
          return specs.map((spec) => values[key(spec)] ?? 0);
        },
        byDimension: async (spec, dimension) => {
          expect(dimension).toBe('reason');
          return { ...reasons[key(spec)] };
        },
      },
      lake: { count: async () => counts.lake },
      quarantine: { count: async () => counts.quarantine },
      reports: {
        missing: async (partitions) => {
          expect(partitions).toEqual(counts.lake.partitions);
          return [];
        },
      },
    };
    const collected = await collectStageCounts(sources, resources, HOUR);
    expect(ranges).toEqual([HOUR]);
    expect(collected).toEqual({
      ...counts,
      transform: { ...counts.transform, failed: { invalid_json: 20, unattributed: 5 } },
    });
  });
});
