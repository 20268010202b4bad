import * as released from '@pipeline/shared';
import { DeviceFleet, type DeviceMessage, type FleetOptions } from '../../src/simulators/DeviceFleet';
import * as releasedWindowState from '../../../services/analytics-sink/src/domain/window-state';
import { emptyAggregate, addReading } from '../../../services/analytics-sink/src/domain/device-aggregate';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadReports, reportsDirectory } from '@pipeline/report-runner';
import { CO2_PPM, withCo2Schema, writeCo2Reports } from './co2-schema';

// The pieces of the schema evolution worked example (local/tests/e2e/schema-evolution.e2e.test.ts)
// one by one: the co2 schema as a deployment of it would load it, next to the released one.
const START = Date.UTC(2026, 2, 1, 10);
const HOUR_MS = 3_600_000;

const fleetOptions: FleetOptions = {
  seed: 'co2',
  devices: 12,
  rate: 1,
  startMs: START,
  endMs: START + HOUR_MS,
  kafkaShare: 0.25,
  badShare: 0,
  duplicateShare: 0,
  lateShare: 0,
  heartbeatShare: 0,
};

const drain = (fleet: DeviceFleet): DeviceMessage[] => {
  const messages: DeviceMessage[] = [];
  for (let at = fleet.peekTime(); at !== undefined; at = fleet.peekTime()) messages.push(...fleet.take(at));
  return messages;
};

const co2 = () =>
  withCo2Schema(async () => ({
    shared: await import('@pipeline/shared'),
    fleet: await import('../../src/simulators/DeviceFleet'),
    windowState: await import('../../../services/analytics-sink/src/domain/window-state'),
    aggregate: await import('../../../services/analytics-sink/src/domain/device-aggregate'),
  }));

const normalise = (shared: typeof released, message: DeviceMessage) => {
  const decoded = shared.decodeJsonObject(message.data!.toString('base64'), 65536);
  if (!decoded.ok) throw new Error(decoded.reason);
  return shared.normaliseHubMessage(decoded.value, message.at, shared.DEFAULT_EVENT_TIME_POLICY);
};

describe('the co2 schema fixture', () => {
  it('adds co2_ppm after the released metrics in a fresh module registry, and only there', async () => {
    const { shared } = await co2();
    expect(shared.METRIC_NAMES).toEqual([...released.METRIC_NAMES, 'co2_ppm']);
    expect((shared.METRICS as Record<string, unknown>).co2_ppm).toEqual(CO2_PPM);
    expect(released.METRIC_NAMES).not.toContain('co2_ppm');
  });
});

describe('the co2 reports', () => {
  it('report co2_ppm in device_hourly_stats like battery, and are otherwise the released ones', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'co2-reports-'));
    try {
      await writeCo2Reports(reportsDirectory(), folder);
      const co2Reports = loadReports(folder);
      const releasedReports = loadReports();
      expect(co2Reports.map(({ name }) => name)).toEqual(releasedReports.map(({ name }) => name));
      const columns = (reports: typeof co2Reports) =>
        reports.find(({ name }) => name === 'device_hourly_stats')!.table.columns.map(({ name }) => name);
      expect(columns(co2Reports)).toEqual([
        ...columns(releasedReports),
        'co2_ppm_min',
        'co2_ppm_avg',
        'co2_ppm_max',
      ]);
      const sql = co2Reports.find(({ name }) => name === 'device_hourly_stats')!.sql;
      expect(sql).toContain('max(battery) AS battery,\n    max(co2_ppm) AS co2_ppm\n');
      expect(sql).toContain('max(battery) AS battery_max,\n  min(co2_ppm) AS co2_ppm_min,');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('a device fleet on the co2 schema', () => {
  it('sends co2_ppm in every reading, in range; the co2 transform accepts it and the released one refuses it', async () => {
    const { shared, fleet } = await co2();
    const messages = drain(new fleet.DeviceFleet(fleetOptions)).filter(({ path }) => path === 'hub');
    expect(messages.length).toBeGreaterThan(100);
    for (const message of messages) {
      const sent = JSON.parse(message.data!.toString()) as { metrics: Record<string, unknown> };
      const value = Number(sent.metrics.co2_ppm);
      expect(value).toBeGreaterThanOrEqual(CO2_PPM.min);
      expect(value).toBeLessThanOrEqual(CO2_PPM.max);
      const accepted = normalise(shared, message);
      expect(accepted).toMatchObject({ outcome: 'ok', record: { co2_ppm: value } });
      // Why ingest-transform deploys before devices send the metric (docs/SCHEMA.md).
      expect(normalise(released, message)).toMatchObject({ outcome: 'rejected', reason: 'invalid_metrics' });
    }
  });

  it('sends the released metrics only on the released schema', () => {
    for (const message of drain(new DeviceFleet(fleetOptions))) {
      const sent = JSON.parse(message.data!.toString()) as { metrics: Record<string, unknown> };
      expect(Object.keys(sent.metrics).every((name) => released.METRIC_NAMES.includes(name as never))).toBe(
        true,
      );
    }
  });

  it('resends readings of an earlier run with their bytes, event ids and fate, counted as resent messages', async () => {
    const { shared, fleet: co2Fleet } = await co2();
    const earlier = drain(new DeviceFleet(fleetOptions))
      .filter(({ kind }) => kind === 'reading')
      .slice(0, 5);
    const later = new co2Fleet.DeviceFleet({
      ...fleetOptions,
      startMs: START + 2 * HOUR_MS,
      endMs: undefined,
    });
    const at = START + 2 * HOUR_MS;
    const resent = later.resend(earlier, at);
    expect(resent.map(({ data, path, deviceId, expected }) => ({ data, path, deviceId, expected }))).toEqual(
      earlier.map(({ data, path, deviceId, expected }) => ({ data, path, deviceId, expected })),
    );
    expect(resent.every((message) => message.at === at && message.kind === 'resent')).toBe(true);
    expect(later.counts).toMatchObject({ messages: 5, resent: 5, readings: 0 });
    expect(later.counts.produced.hub + later.counts.produced.kafka).toBe(5);
    expect(later.counts.expected.hub.delivered + later.counts.expected.kafka.delivered).toBe(5);
    // The co2 transform gives a resent pre-change reading the id the released one gave it.
    for (const message of resent.filter(({ path }) => path === 'hub')) {
      const before = normalise(released, { ...message, at: earlier[0]!.at });
      const after = normalise(shared, message);
      expect(after.outcome === 'ok' && before.outcome === 'ok' && after.record.event_id).toBe(
        before.outcome === 'ok' && before.record.event_id,
      );
    }
    expect(() => later.resend([{ ...earlier[0]!, deviceId: 'dev-9999' }], at)).toThrow(RangeError);
  });
});

describe('analytics-sink window state across the deploy of an added metric', () => {
  const WINDOW_START = START;
  const reading = (shared: typeof released, metrics: Record<string, number>) => {
    const result = shared.normaliseHubMessage(
      { deviceId: 'dev-0001', timestamp: new Date(WINDOW_START + 1000).toISOString(), metrics },
      WINDOW_START + 2000,
      shared.DEFAULT_EVENT_TIME_POLICY,
    );
    if (result.outcome !== 'ok') throw new Error(result.outcome);
    return result.record;
  };

  it('keeps a window state written before the deploy readable after it: nothing discarded, co2 starts empty', async () => {
    const { shared, windowState, aggregate: co2Aggregate } = await co2();
    const before = releasedWindowState.emptyState(10);
    const aggregate = emptyAggregate();
    addReading(aggregate, reading(released, { temperature: 21.5, battery: 80 }));
    before.segment = '1';
    before.devices.set('dev-0001', aggregate);
    const encoded = JSON.parse(
      JSON.stringify(releasedWindowState.encodeState(before, WINDOW_START)),
    ) as Record<string, unknown>;

    const { state, discarded } = windowState.readState(encoded, WINDOW_START, 10);
    expect(discarded).toBeUndefined();
    const after = state.devices.get('dev-0001')!;
    expect(after.events).toBe(1);
    expect(after.metrics).toMatchObject({
      temperature: { n: 1, sum: 21.5, min: 21.5, max: 21.5 },
      battery: { n: 1, sum: 80, min: 80, max: 80 },
      co2_ppm: null,
    });
    // The window goes on with co2 readings; and a rollback reads the co2 state, dropping co2 only.
    co2Aggregate.addReading(after, reading(shared, { temperature: 22.5, co2_ppm: 415 }));
    const rolledBack = releasedWindowState.readState(
      JSON.parse(JSON.stringify(windowState.encodeState(state, WINDOW_START))) as Record<string, unknown>,
      WINDOW_START,
      10,
    );
    expect(rolledBack.discarded).toBeUndefined();
    expect(rolledBack.state.devices.get('dev-0001')).toMatchObject({
      events: 2,
      metrics: { temperature: { n: 2, sum: 44 }, battery: { n: 1 } },
    });
    expect(rolledBack.state.devices.get('dev-0001')!.metrics).not.toHaveProperty('co2_ppm');
  });
});
