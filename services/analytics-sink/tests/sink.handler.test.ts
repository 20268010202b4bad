import './environment';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { RegistryCache } from '@pipeline/shared/registry';
import { S3RegistrySource } from '@pipeline/shared/registry/adapters';
import { WarehouseUnavailableError } from '@pipeline/shared/warehouse';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../../shared/testing/lambda-context';
import { SnsAlertPublisher } from '../src/adapters/sns-alert-publisher';
import { handler } from '../src/handlers/sink';
import { createSinkHandler } from '../src/handlers/sink-handler';
import { ALERT_TABLE, WINDOW_PART_TABLE } from '../src/domain/realtime-tables';
import { loadEvent } from './events';
import { MemoryWarehouse } from './memory-warehouse';
import { sinkSettings } from './settings';

const context = () => lambdaContext('analytics-sink-dev-sink');

// Every S3 client of this file, including the one the deployed handler builds at import.
const s3 = mockClient(S3Client);
const REGISTRY_BUCKET = 'ingest-transform-dev-ingestbucket-1a2b3c4d5e6f';
const REGISTRY_KEY = 'reference/devices/registry.jsonl';

/** A GetObject answer as S3 gives it: the body stream and the object's ETag. */
const registryObject = (text: string, etag: string): GetObjectCommandOutput =>
  ({
    Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'],
    ETag: etag,
    ContentType: 'application/x-ndjson',
    $metadata: { httpStatusCode: 200 },
  }) as GetObjectCommandOutput;

const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

/**
 * The registry object of the window-4-final story: dev-0001 runs hot by design (its own, lower
 * maximum), dev-0003 tolerates more heat but must stay above 20 % humidity (a rule the
 * configuration does not have), dev-0002 and dev-0101 are not registered.
 */
const REGISTRY_JSONL = [
  '{"device_id":"dev-0001","site":"plant-berlin","model":"TH-200","owner":"facilities","location":"Hall 1","install_date":"2026-01-12","temperature_max":22.5}',
  '{"device_id":"dev-0003","site":"plant-lyon","model":"TH-300","owner":"process-eng","temperature_max":90,"humidity_min":20}',
  '{"device_id":"dev-0007","site":"plant-lyon","model":"TH-300","owner":"process-eng","battery_min":30}',
  '',
].join('\n');

/** EMF documents the handler printed, by metric name and `reason` dimension. */
const emittedCounts = (log: jest.SpyInstance): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const [line] of log.mock.calls) {
    const document = typeof line === 'string' && line.startsWith('{"_aws"') ? JSON.parse(line) : undefined;
    if (!document) continue;
    for (const { Metrics: metrics } of document._aws.CloudWatchMetrics) {
      for (const { Name } of metrics)
        counts[document.reason ? `${Name}.${document.reason}` : Name] = document[Name];
    }
  }
  return counts;
};

describe('sink handler (deployed wiring)', () => {
  let log: jest.SpyInstance;
  beforeAll(() => {
    // The bucket denies the read (or the object is missing: without s3:ListBucket S3 says 403).
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
  });
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it('reads the registry object named by the environment, and carries on when it cannot', async () => {
    const response = await handler(loadEvent('window-1-open'), context());
    expect(response).toEqual({ state: loadEvent('window-2-middle').state, batchItemFailures: [] });
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toContainEqual({
      Bucket: 'ingest-transform-test-ingestbucket-1a2b3c4d5e6f',
      Key: REGISTRY_KEY,
    });
  });

  it('returns the window state and no batch item failures for an aggregation invocation', async () => {
    const response = await handler(loadEvent('window-1-open'), context());
    expect(response).toEqual({ state: loadEvent('window-2-middle').state, batchItemFailures: [] });
  });

  it('counts rejected records by reason and dropped heartbeats as metrics', async () => {
    await handler(loadEvent('window-2-middle'), context());
    expect(emittedCounts(log)).toMatchObject({
      RecordsCounted: 3,
      RecordsDuplicate: 1,
      'RecordsRejected.invalid_json': 1,
      'RecordsDropped.heartbeat': 1,
    });
  });

  it('rejects an event without the tumbling-window fields', async () => {
    jest.spyOn(console, 'warn').mockImplementationOnce(() => undefined);
    const { window: _window, ...plain } = loadEvent('window-1-open');
    await expect(handler(plain as never, context())).rejects.toThrow();
  });
});

describe('sink handler with injected adapters', () => {
  const sns = mockClient(SNSClient);
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:analytics-sink-dev-alerts';
  let warehouse: MemoryWarehouse;
  const sink = () =>
    createSinkHandler({
      settings: sinkSettings(),
      warehouse,
      publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'test', serviceName: 'analytics-sink' }),
      now: () => Date.parse('2026-11-25T08:01:03Z'),
    });
  let log: jest.SpyInstance;
  beforeEach(() => {
    sns.reset();
    warehouse = new MemoryWarehouse();
    // Single metrics (per reason) are printed as EMF right away.
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it('answers a state it cannot read with an ERROR naming what was lost and a metric, not a failed invocation', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const error = jest.spyOn(logger, 'error');
    const event = loadEvent('window-4-final');
    // What a version without bounded inputs returned after two readings of 1e308 (Infinity -> null).
    const state = event.state as { d: Record<string, unknown> };
    state.d['dev-0666'] = [2, 0, 0, 1000, 2000, 0, 2, [2, null, 1e308, 1e308], 0, 0, 0];
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const response = await createSinkHandler({
      settings: sinkSettings(),
      warehouse,
      publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC),
      logger,
      metrics: new Metrics({ namespace: 'test', serviceName: 'analytics-sink' }),
    })(event);

    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
    expect(error).toHaveBeenCalledWith('window state partly unreadable: aggregates lost for this window', {
      reason: 'unreadable aggregate for dev-0666',
      restarted: false,
      readingsLost: 2,
      devicesLost: 1,
      devices: ['dev-0666'],
    });
    expect(emittedCounts(log)).toMatchObject({ 'WindowStateDiscarded.unreadable_aggregate': 1 });
  });

  it('writes the window and publishes its alerts on the final invocation', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const response = await sink()(loadEvent('window-4-final'));

    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
    expect(
      sns
        .commandCalls(PublishCommand)
        .map((call) => call.args[0].input.MessageAttributes?.rule_id?.StringValue),
    ).toEqual(['battery_below_15', 'temperature_above_80']);
  });

  it('fails the invocation when SNS is down, and the retried final invocation alerts once', async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'InternalErrorException' }));
    await expect(sink()(loadEvent('window-4-final'))).rejects.toThrow('not published');
    // The rows are already written; nothing is recorded as sent.
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
    expect(warehouse.rows(ALERT_TABLE)).toHaveLength(0);

    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await sink()(loadEvent('window-4-final'));
    await sink()(loadEvent('window-4-final'));
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
  });

  it('fails the invocation when the warehouse is unavailable, so Lambda retries it with the same state', async () => {
    warehouse.failure = new WarehouseUnavailableError('connection refused');
    await expect(sink()(loadEvent('window-4-final'))).rejects.toBeInstanceOf(WarehouseUnavailableError);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('does no I/O while a window is still open', async () => {
    warehouse.failure = new WarehouseUnavailableError('must not be called');
    await expect(sink()(loadEvent('window-3-last-batch'))).resolves.toMatchObject({ batchItemFailures: [] });
  });
});

describe('per-device thresholds from the device registry', () => {
  const sns = mockClient(SNSClient);
  const TOPIC = 'arn:aws:sns:us-east-1:123456789012:analytics-sink-dev-alerts';
  let warehouse: MemoryWarehouse;
  let logger: Logger;
  let log: jest.SpyInstance;
  let clock: number;

  /** The deployed registry wiring: a cache over S3 (mocked), refreshed every 300 s. */
  const registryCache = () =>
    new RegistryCache({
      source: new S3RegistrySource({
        client: new S3Client({ region: 'us-east-1' }),
        bucket: REGISTRY_BUCKET,
        key: REGISTRY_KEY,
      }),
      refreshIntervalMs: 300_000,
      now: () => clock,
    });
  const sink = (registry = registryCache()) =>
    createSinkHandler({
      settings: sinkSettings(),
      warehouse,
      publisher: new SnsAlertPublisher(new SNSClient({ region: 'us-east-1' }), TOPIC),
      registry,
      logger,
      metrics: new Metrics({ namespace: 'test', serviceName: 'analytics-sink' }),
      now: () => Date.parse('2026-11-25T08:01:03Z'),
    });
  /** What was published, as `device: rule (source) observed`, in publishing order. */
  const published = () =>
    sns.commandCalls(PublishCommand).map((call) => {
      const alert = JSON.parse(call.args[0].input.Message!);
      return `${alert.deviceId}: ${alert.rule.id} (${alert.rule.source}) ${alert.evidence.observed}`;
    });

  beforeEach(() => {
    s3.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    warehouse = new MemoryWarehouse();
    logger = new Logger({ logLevel: 'SILENT' });
    clock = Date.parse('2026-11-25T08:01:02Z');
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  it("alerts on a registered device's own thresholds and on the configured ones for unregistered devices", async () => {
    s3.on(GetObjectCommand).resolves(registryObject(REGISTRY_JSONL, '"9b2cf535f27731c974343645a3985328"'));
    const response = await sink()(loadEvent('window-4-final'));

    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    expect(published()).toEqual([
      // 22.9 °C is normal elsewhere, not for dev-0001 (temperature_max 22.5).
      'dev-0001: temperature_above_22_5 (registry) 22.9',
      // Unregistered: the configured battery<15.
      'dev-0002: battery_below_15 (configured) 11.5',
      // 85.5 °C is within dev-0003's temperature_max of 90; its humidity_min adds a rule.
      'dev-0003: humidity_below_20 (registry) 12',
    ]);
    expect(
      warehouse.rows(ALERT_TABLE).map(({ device_id, rule_id, threshold }) => [device_id, rule_id, threshold]),
    ).toEqual(
      expect.arrayContaining([
        ['dev-0001', 'temperature_above_22_5', 22.5],
        ['dev-0002', 'battery_below_15', 15],
        ['dev-0003', 'humidity_below_20', 20],
      ]),
    );
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: REGISTRY_BUCKET, Key: REGISTRY_KEY },
    ]);
  });

  it('sends each per-device alert once when the final invocation is retried', async () => {
    s3.on(GetObjectCommand).resolves(registryObject(REGISTRY_JSONL, '"9b2cf535f27731c974343645a3985328"'));
    const handle = sink();
    await handle(loadEvent('window-4-final'));
    await handle(loadEvent('window-4-final'));
    expect(published()).toHaveLength(3);
    expect(warehouse.rows(ALERT_TABLE)).toHaveLength(3);
  });

  it('falls back to the configured thresholds, without failing, when the registry cannot be read', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    const warn = jest.spyOn(logger, 'warn');
    const response = await sink()(loadEvent('window-4-final'));

    expect(response).toEqual({ state: {}, batchItemFailures: [] });
    expect(published()).toEqual([
      'dev-0002: battery_below_15 (configured) 11.5',
      'dev-0003: temperature_above_80 (configured) 85.5',
    ]);
    expect(warehouse.rows(WINDOW_PART_TABLE)).toHaveLength(4);
    expect(warn).toHaveBeenCalledWith(
      'device registry unavailable: alerts use the configured thresholds for every device',
      expect.objectContaining({ registryError: 'AccessDenied', registeredDevices: 0 }),
    );
  });

  it('falls back to the configured thresholds when the registry file is invalid', async () => {
    s3.on(GetObjectCommand).resolves(
      registryObject(
        `${REGISTRY_JSONL}{"device_id":"dev-0009","site":"plant-lyon","temprature_max":30}\n`,
        '"e1"',
      ),
    );
    await sink()(loadEvent('window-4-final'));
    expect(published()).toEqual([
      'dev-0002: battery_below_15 (configured) 11.5',
      'dev-0003: temperature_above_80 (configured) 85.5',
    ]);
  });

  it('keeps the last good registry when a refresh fails, and picks up a new one after the interval', async () => {
    const registry = registryCache();
    s3.on(GetObjectCommand).resolves(registryObject(REGISTRY_JSONL, '"v1"'));
    await sink(registry)(loadEvent('window-4-final'));

    // Five minutes later S3 fails: the copy in memory still decides.
    clock += 300_000;
    s3.reset();
    s3.on(GetObjectCommand).rejects(s3Error('SlowDown', 503));
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    warehouse = new MemoryWarehouse();
    await sink(registry)(loadEvent('window-4-final'));
    expect(published()).toContain('dev-0001: temperature_above_22_5 (registry) 22.9');

    // Another interval later the object has changed: dev-0001 is back on the configured rules.
    clock += 300_000;
    s3.reset();
    s3.on(GetObjectCommand).resolves(
      registryObject(REGISTRY_JSONL.replace(',"temperature_max":22.5', ''), '"v2"'),
    );
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    warehouse = new MemoryWarehouse();
    await sink(registry)(loadEvent('window-4-final'));
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toMatchObject({ IfNoneMatch: '"v1"' });
    expect(published()).toEqual([
      'dev-0002: battery_below_15 (configured) 11.5',
      'dev-0003: humidity_below_20 (registry) 12',
    ]);
  });

  it('does not fetch more than once per refresh interval', async () => {
    s3.on(GetObjectCommand).resolves(registryObject(REGISTRY_JSONL, '"v1"'));
    const handle = sink();
    for (const name of ['window-1-open', 'window-2-middle', 'window-3-last-batch', 'window-4-final'] as const)
      await handle(loadEvent(name));
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
  });
});
