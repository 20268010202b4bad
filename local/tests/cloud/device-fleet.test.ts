import { DEFAULT_EVENT_TIME_POLICY, decodeJsonObject, normaliseHubMessage } from '@pipeline/shared';
import { planBatch } from '../../../services/msk-consumer/src/domain/plan-batch';
import {
  DeviceFleet,
  type DeviceMessage,
  type Expectation,
  type FleetOptions,
} from '../../src/simulators/DeviceFleet';
import { HUB_BAD_RECORD_KINDS, KAFKA_BAD_RECORD_KINDS } from '../../src/simulators/bad-records';

const START = Date.UTC(2026, 2, 1, 10);
const HOUR_MS = 3_600_000;

const fleetOf = (overrides: Partial<FleetOptions> = {}) =>
  new DeviceFleet({
    seed: 'test',
    devices: 20,
    rate: 2,
    startMs: START,
    endMs: START + HOUR_MS,
    kafkaShare: 0.25,
    badShare: 0.1,
    duplicateShare: 0.02,
    lateShare: 0.02,
    heartbeatShare: 0.02,
    ...overrides,
  });

const drain = (fleet: DeviceFleet): DeviceMessage[] => {
  const messages: DeviceMessage[] = [];
  for (let at = fleet.peekTime(); at !== undefined; at = fleet.peekTime()) messages.push(...fleet.take(at));
  return messages;
};

/** What the services' own code does with a message: the hub path through ingest-transform's rules, Kafka through msk-consumer's. */
const outcomeOf = (message: DeviceMessage): Expectation => {
  if (message.path === 'hub') {
    const decoded = decodeJsonObject((message.data ?? Buffer.alloc(0)).toString('base64'), 65536);
    if (!decoded.ok) return { outcome: 'failed', reason: decoded.reason };
    const normalised = normaliseHubMessage(decoded.value, message.at, DEFAULT_EVENT_TIME_POLICY);
    if (normalised.outcome === 'ok') return { outcome: 'delivered' };
    return normalised.outcome === 'dropped'
      ? { outcome: 'dropped', reason: normalised.reason }
      : { outcome: 'failed', reason: normalised.reason };
  }
  // As the MSK event source sends it: no `value` field for a tombstone.
  const value = message.data === null ? {} : { value: message.data.toString('base64') };
  const { summary } = planBatch(
    [
      {
        topic: 'telemetry',
        partition: 0,
        offset: 1,
        timestamp: message.at,
        timestampType: 'CREATE_TIME',
        ...value,
      },
    ],
    { maxValueBytes: 1_048_576, maxHubRecordBytes: 1_048_576, eventTime: DEFAULT_EVENT_TIME_POLICY },
    message.at,
  );
  if (summary.forwarded === 1) return { outcome: 'delivered' };
  const [[reason] = []] = Object.entries({ ...summary.skipped, ...summary.dropped });
  if (reason) return { outcome: 'dropped', reason: reason as 'heartbeat' };
  const [[failed] = []] = Object.entries(summary.quarantined);
  return { outcome: 'failed', reason: failed as 'invalid_json' };
};

describe('DeviceFleet', () => {
  it('is deterministic: the same seed and start give the same messages', () => {
    const digest = (messages: DeviceMessage[]) =>
      messages.map(
        ({ at, path, deviceId, kind, data }) =>
          `${at} ${path} ${deviceId} ${kind} ${data?.toString('base64')}`,
      );
    const first = digest(drain(fleetOf()));
    expect(digest(drain(fleetOf()))).toEqual(first);
    expect(digest(drain(fleetOf({ seed: 'other' })))).not.toEqual(first);
  });

  it('streams in arrival order within the span, at about the configured rate', () => {
    const messages = drain(fleetOf());
    const arrivals = messages.map(({ at }) => at);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    expect(arrivals[0]).toBeGreaterThanOrEqual(START);
    expect(arrivals.at(-1)).toBeLessThan(START + HOUR_MS);
    // 2 per second for an hour, plus duplicate copies.
    expect(messages.length).toBeGreaterThan(7000);
    expect(messages.length).toBeLessThan(8000);
  });

  it('gives every message the fate the services decide for it, for every kind of broken message', () => {
    const messages = drain(fleetOf({ badShare: 0.3 }));
    for (const message of messages) {
      expect({ kind: message.kind, outcome: outcomeOf(message) }).toEqual({
        kind: message.kind,
        outcome: message.expected,
      });
    }
    const failed = (path: 'hub' | 'kafka') =>
      new Set(
        messages
          .filter((message) => message.path === path && message.expected.outcome === 'failed')
          .map(({ expected }) => (expected as { reason: string }).reason),
      );
    expect([...failed('hub')].sort()).toEqual([...HUB_BAD_RECORD_KINDS].sort());
    expect([...failed('kafka')].sort()).toEqual([...KAFKA_BAD_RECORD_KINDS].sort());
  });

  it('sends a share of devices through Kafka, some in epoch seconds, duplicates as identical copies, late readings with an earlier event time', () => {
    const fleet = fleetOf();
    const messages = drain(fleet);
    const kafkaDevices = new Set(
      messages.filter(({ path }) => path === 'kafka').map(({ deviceId }) => deviceId),
    );
    expect(kafkaDevices.size).toBe(5);
    const readings = messages
      .filter(({ kind }) => kind === 'reading')
      .map(({ data }) => JSON.parse(String(data)) as { timestamp: number | string });
    expect(readings.some(({ timestamp }) => typeof timestamp === 'number' && timestamp < 1e11)).toBe(true);
    expect(readings.some(({ timestamp }) => typeof timestamp === 'string')).toBe(true);

    const duplicates = messages.filter(({ kind }) => kind === 'duplicate');
    expect(duplicates.length).toBe(fleet.counts.duplicates);
    for (const copy of duplicates) {
      const original = messages[messages.indexOf(copy) - 1] as DeviceMessage;
      expect(original.data).toEqual(copy.data);
      expect(original.at).toBe(copy.at);
    }
    for (const late of messages.filter(({ kind }) => kind === 'late')) {
      const { timestamp } = JSON.parse(String(late.data)) as { timestamp: number | string };
      const eventTime =
        typeof timestamp === 'number'
          ? timestamp < 1e11
            ? timestamp * 1000
            : timestamp
          : Date.parse(timestamp);
      expect(late.at - eventTime).toBeGreaterThanOrEqual(4 * 60_000);
    }
  });

  it('counts what it produced by path and expected outcome, and stops when told', () => {
    const fleet = fleetOf({ maxMessages: 500 });
    const messages = drain(fleet);
    expect(messages.length).toBeGreaterThanOrEqual(500);
    expect(messages.length).toBeLessThanOrEqual(501);
    const { produced, expected } = fleet.counts;
    expect(produced.hub + produced.kafka).toBe(messages.length);
    for (const path of ['hub', 'kafka'] as const) {
      const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
      const bucket = expected[path];
      expect(bucket.delivered + sum(bucket.dropped) + sum(bucket.failed)).toBe(produced[path]);
    }
    const stopped = fleetOf();
    stopped.take(START + 60_000);
    stopped.stop();
    expect(stopped.peekTime()).toBeUndefined();
  });
});
