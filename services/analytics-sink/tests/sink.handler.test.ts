import './environment';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { WarehouseUnavailableError } from '@pipeline/shared';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../../shared/testing/lambda-context';
import { SnsAlertPublisher } from '../src/adapters/sns-alert-publisher';
import { createSinkHandler, handler } from '../src/handlers/sink';
import { ALERT_TABLE, WINDOW_PART_TABLE } from '../src/domain/realtime-tables';
import { loadEvent } from './events';
import { MemoryWarehouse } from './memory-warehouse';
import { sinkSettings } from './settings';

const context = () => lambdaContext('analytics-sink-dev-sink');

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
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

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
