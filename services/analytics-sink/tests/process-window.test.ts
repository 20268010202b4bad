import { parseRegistry } from '@pipeline/shared/registry';
import { REJECTION_REASONS } from '@pipeline/shared';
import {
  processWindowInvocation,
  type InvocationOutcome,
  type SegmentFlush,
} from '../src/domain/process-window';
import { decodeState, stateBytes } from '../src/domain/window-state';
import {
  EARLY_CONTINUATION,
  EARLY_SEGMENT,
  EARLY_WINDOW,
  EVENT_NAMES,
  INVALID_RECORDS,
  loadEvent,
  reading,
  SHARD_ID,
  sequenceNumber,
  WINDOW,
  WINDOW_BATCHES,
  windowEvent,
  type RecordSpec,
} from './events';
import { toWindowInvocation } from '../src/handlers/window-event';
import { chainStates, expectedWindows, invoke } from './scenario';
import { sinkSettings } from './settings';

const settings = sinkSettings();
const rowsByDevice = (flush: SegmentFlush | undefined) =>
  new Map(flush?.rows.map((row) => [row.device_id as string, row]));

/** Rows of one or more segments merged as the `realtime_device_window` view does. */
const merge = (flushes: SegmentFlush[]) => {
  const merged = new Map<string, Record<string, number | string | null>>();
  for (const row of flushes.flatMap((flush) => flush.rows as Record<string, number | string | null>[])) {
    const current = merged.get(row.device_id as string);
    if (!current) {
      merged.set(row.device_id as string, { ...row });
      continue;
    }
    for (const [column, value] of Object.entries(row)) {
      const existing = current[column] ?? null;
      if (
        value === null ||
        (typeof value === 'string' && column !== 'first_event_time' && column !== 'last_event_time')
      )
        continue;
      if (existing === null) current[column] = value;
      else if (column.endsWith('_min') || column === 'first_event_time')
        current[column] = value < existing ? value : existing;
      else if (column.endsWith('_max') || column === 'last_event_time')
        current[column] = value > existing ? value : existing;
      else current[column] = (existing as number) + (value as number);
    }
  }
  return merged;
};

const timestamp = (iso: string) => iso.replace('T', ' ').replace('Z', '');

describe('processWindowInvocation', () => {
  it('carries the window state across three invocations and returns it until the window ends', () => {
    const [open, middle, last, final] = [
      'window-1-open',
      'window-2-middle',
      'window-3-last-batch',
      'window-4-final',
    ].map((name) => loadEvent(name as 'window-1-open'));

    const first = invoke(open!, settings);
    expect(first.flush).toBeUndefined();
    expect(first.state).toEqual(middle!.state);
    const second = invoke(middle!, settings);
    expect(second.state).toEqual(last!.state);
    const third = invoke(last!, settings);
    expect(third.state).toEqual(final!.state);
    expect(third.flush).toBeUndefined();

    const state = decodeState(third.state, Date.parse(WINDOW.start), settings.dedupCapacity);
    expect([...state.devices.keys()]).toEqual(['dev-0001', 'dev-0002', 'dev-0101', 'dev-0003']);
    expect(state.devices.get('dev-0001')).toMatchObject({
      events: 3,
      duplicates: 2,
      sources: { kinesis: 2, msk: 1 },
    });
  });

  it('writes one row per device on the final invocation, with the state emptied', () => {
    const outcome = invoke(loadEvent('window-4-final'), settings);

    expect(outcome.state).toEqual({});
    expect(outcome.flush).toMatchObject({
      reason: 'window_closed',
      segmentId: `${SHARD_ID}:${sequenceNumber(1)}`,
    });
    const rows = rowsByDevice(outcome.flush);
    expect(rows.get('dev-0001')).toEqual({
      device_id: 'dev-0001',
      window_start: '2026-11-25 08:00:00.000',
      segment_id: `${SHARD_ID}:${sequenceNumber(1)}`,
      window_end: '2026-11-25 08:01:00.000',
      event_count: 3,
      duplicate_count: 2,
      unverified_count: 0,
      first_event_time: '2026-11-25 08:00:00.500',
      last_event_time: '2026-11-25 08:00:10.000',
      kinesis_count: 2,
      msk_count: 1,
      temperature_count: 3,
      temperature_sum: expect.closeTo(66.9, 10),
      temperature_min: 21.7,
      temperature_max: 22.9,
      humidity_count: 2,
      humidity_sum: expect.closeTo(86.2, 10),
      humidity_min: 43,
      humidity_max: 43.2,
      pressure_count: 1,
      pressure_sum: 1012.8,
      pressure_min: 1012.8,
      pressure_max: 1012.8,
      battery_count: 3,
      battery_sum: 259.5,
      battery_min: 86,
      battery_max: 87,
    });
    expect([...rows.keys()].sort()).toEqual(['dev-0001', 'dev-0002', 'dev-0003', 'dev-0101']);
  });

  it('writes the aggregates an independent computation over the same records gives', () => {
    const events = ['window-1-open', 'window-2-middle', 'window-3-last-batch'].map((name) =>
      loadEvent(name as 'window-1-open'),
    );
    const rows = rowsByDevice(invoke(loadEvent('window-4-final'), settings).flush);
    const expected = expectedWindows(events);

    expect([...rows.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [deviceId, window] of expected) {
      const row = rows.get(deviceId)!;
      expect([deviceId, row.event_count, row.first_event_time, row.last_event_time]).toEqual([
        deviceId,
        window.event_count,
        timestamp(window.first_event_time),
        timestamp(window.last_event_time),
      ]);
      expect(Number((row.kinesis_count as number) > 0) + Number((row.msk_count as number) > 0)).toBe(
        window.source_count,
      );
      for (const [metric, stats] of Object.entries(window.metrics)) {
        expect([metric, row[`${metric}_count`], row[`${metric}_min`], row[`${metric}_max`]]).toEqual([
          metric,
          stats.count,
          stats.min,
          stats.max,
        ]);
        const sum = row[`${metric}_sum`] as number | null;
        if (stats.avg === null) expect(sum).toBeNull();
        else expect(sum! / stats.count).toBeCloseTo(stats.avg, 9);
      }
    }
  });

  it('raises one alert per device and rule, with the evidence', () => {
    const { flush } = invoke(loadEvent('window-4-final'), settings);

    expect(flush!.alerts.map(({ deviceId, rule }) => [deviceId, rule.id])).toEqual([
      ['dev-0002', 'battery_below_15'],
      ['dev-0003', 'temperature_above_80'],
    ]);
    expect(flush!.alerts[1]).toEqual({
      type: 'realtime.threshold_alert',
      version: 1,
      alertId: expect.stringMatching(/^[0-9a-f]{32}$/),
      deviceId: 'dev-0003',
      rule: {
        id: 'temperature_above_80',
        metric: 'temperature',
        comparison: 'above',
        threshold: 80,
        source: 'configured',
        unit: '°C',
      },
      window: { start: '2026-11-25T08:00:00.000Z', end: '2026-11-25T08:01:00.000Z' },
      evidence: {
        observed: 85.5,
        readings: 2,
        average: expect.closeTo(52.2, 10),
        min: 18.9,
        max: 85.5,
        events: 2,
        firstEventTime: '2026-11-25T08:00:18.000Z',
        lastEventTime: '2026-11-25T08:00:40.000Z',
        sources: ['kinesis'],
      },
      segmentId: `${SHARD_ID}:${sequenceNumber(1)}`,
    });
  });

  it('gives a replayed final invocation exactly the same rows and alert ids', () => {
    const first = invoke(loadEvent('window-4-final'), settings);
    const replayed = invoke(loadEvent('window-4-final'), settings);
    expect(replayed).toEqual(first);
  });

  it('counts a duplicate once, within an invocation, across invocations and across paths', () => {
    const copy = (n: number, arrivedAfter: number): RecordSpec => ({
      n,
      arrivedAfter,
      payload: reading('dev-0042', '2026-11-25T08:00:03Z', { temperature: 30 }),
    });
    const states = chainStates([[copy(1, 4), copy(2, 5)], [copy(3, 30)]], settings);
    const outcome = invoke(
      windowEvent({ records: [copy(4, 50)], state: states.at(-1), final: true }),
      settings,
    );

    expect(outcome.summary).toMatchObject({ counted: 0, duplicates: 1 });
    expect(outcome.flush!.rows).toEqual([
      expect.objectContaining({
        device_id: 'dev-0042',
        event_count: 1,
        duplicate_count: 3,
        temperature_count: 1,
      }),
    ]);
  });

  it('counts and skips invalid records, each with its reason, without failing anything', () => {
    const event = loadEvent('window-invalid-records');
    const outcome = invoke(event, settings);

    expect(outcome.summary).toMatchObject({ records: INVALID_RECORDS.length, counted: 1 });
    expect(outcome.rejections.map(({ sequenceNumber: seq, reason }) => [seq, reason])).toEqual([
      [sequenceNumber(101), 'invalid_base64'],
      [sequenceNumber(102), 'empty_record'],
      [sequenceNumber(103), 'oversized_record'],
      [sequenceNumber(104), 'invalid_utf8'],
      [sequenceNumber(105), 'invalid_json'],
      [sequenceNumber(106), 'not_an_object'],
      [sequenceNumber(107), 'invalid_device_id'],
      [sequenceNumber(108), 'invalid_event_time'],
      [sequenceNumber(109), 'invalid_metrics'],
      [sequenceNumber(110), 'schema_violation'],
      [sequenceNumber(111), 'event_time_in_future'],
      [sequenceNumber(112), 'event_time_too_old'],
    ]);
    // Every reason a single hub record can have (the response budget is a Firehose-only reason).
    expect(REJECTION_REASONS.filter((reason) => !outcome.summary.rejected[reason])).toEqual([
      'response_size_limit',
    ]);
    expect([...decodeState(outcome.state, Date.parse(WINDOW.start), 10).devices.keys()]).toEqual([
      'dev-0013',
    ]);
  });

  it('drops heartbeats without counting them as readings or rejections', () => {
    const outcome = invoke(loadEvent('window-2-middle'), settings);
    expect(outcome.summary).toMatchObject({
      dropped: { heartbeat: 1 },
      rejected: { invalid_json: 1 },
      duplicates: 1,
      counted: 3,
    });
  });

  it('flushes a window terminated early, and the continuation adds a second segment that merges', () => {
    const early = invoke(loadEvent('window-terminated-early'), settings);
    expect(early.state).toEqual({});
    expect(early.flush).toMatchObject({
      reason: 'terminated_early',
      segmentId: `${SHARD_ID}:${sequenceNumber(201)}`,
    });

    // Lambda continues the window with a fresh state.
    const states = chainStates([EARLY_CONTINUATION], settings, { window: EARLY_WINDOW });
    const rest = invoke(
      windowEvent({ records: [], state: states[1], final: true, window: EARLY_WINDOW }),
      settings,
    );
    expect(rest.flush).toMatchObject({
      reason: 'window_closed',
      segmentId: `${SHARD_ID}:${sequenceNumber(204)}`,
    });

    const merged = merge([early.flush!, rest.flush!]);
    const expected = expectedWindows([
      windowEvent({ records: [...EARLY_SEGMENT, ...EARLY_CONTINUATION], window: EARLY_WINDOW }),
    ]);
    for (const [deviceId, window] of expected) {
      expect(merged.get(deviceId)).toMatchObject({
        event_count: window.event_count,
        temperature_min: window.metrics.temperature!.min,
        temperature_max: window.metrics.temperature!.max,
        battery_min: window.metrics.battery!.min,
        first_event_time: timestamp(window.first_event_time),
        last_event_time: timestamp(window.last_event_time),
      });
    }
    // Both segments raise the battery alert for dev-0002: same id, so it is sent once (flush-segment).
    expect(early.flush!.alerts.map(({ alertId }) => alertId)).toEqual(
      rest.flush!.alerts.map(({ alertId }) => alertId),
    );
  });

  it('treats an invocation flagged only as terminated early like the end of a segment', () => {
    const states = chainStates([EARLY_SEGMENT], settings, { window: EARLY_WINDOW });
    const outcome = invoke(
      windowEvent({ records: [], state: states[1], terminatedEarly: true, window: EARLY_WINDOW }),
      settings,
    );
    expect(outcome).toMatchObject({ state: {}, flush: { reason: 'terminated_early' } });
  });

  it('writes nothing for a final invocation of a window that saw no valid reading', () => {
    const states = chainStates([INVALID_RECORDS.slice(0, 3)], settings);
    const outcome = invoke(windowEvent({ records: [], state: states[1], final: true }), settings);
    expect(outcome).toMatchObject({ state: {} });
    expect(outcome.flush).toBeUndefined();
  });

  it('folds records that arrive with the final invocation before writing', () => {
    const outcome = invoke(windowEvent({ records: WINDOW_BATCHES[0]!, final: true }), settings);
    expect(outcome.flush!.rows.map((row) => [row.device_id, row.event_count])).toEqual([
      ['dev-0001', 2],
      ['dev-0002', 1],
      ['dev-0101', 1],
    ]);
  });
});

describe('state budget', () => {
  /** `devices` devices, each with `perDevice` readings, in batches of `batchSize` records. */
  const fleet = (devices: number, perDevice: number, batchSize: number): RecordSpec[][] => {
    const records: RecordSpec[] = [];
    for (let i = 0; i < perDevice; i += 1) {
      for (let d = 0; d < devices; d += 1) {
        const n = records.length + 1;
        records.push({
          n,
          arrivedAfter: 1 + (n % 50),
          payload: reading(`sensor-${String(d).padStart(5, '0')}`, 1795593600000 + i * 1000, {
            temperature: 20 + (d % 7) + i / 10,
            battery: 50 + (d % 40),
          }),
        });
      }
    }
    return Array.from({ length: Math.ceil(records.length / batchSize) }, (_, b) =>
      records.slice(b * batchSize, (b + 1) * batchSize),
    );
  };

  /** Runs a whole window and returns every flush and the largest state returned. */
  const runWindow = (batches: RecordSpec[][], budget: { maxStateBytes: number; dedupCapacity: number }) => {
    const tuned = sinkSettings(budget);
    const flushes: SegmentFlush[] = [];
    let state: Record<string, unknown> = {};
    let largest = 0;
    const outcomes: InvocationOutcome[] = [];
    for (const records of [...batches, []]) {
      const outcome = invoke(windowEvent({ records, state, final: records.length === 0 }), tuned);
      outcomes.push(outcome);
      if (outcome.flush) flushes.push(outcome.flush);
      state = outcome.state;
      largest = Math.max(largest, stateBytes(outcome.state));
    }
    return { flushes, largest, outcomes };
  };

  it('keeps the state compact: a thousand devices with a minute of readings fit in well under 1 MB', () => {
    const states = chainStates(fleet(1000, 6, 500), settings);
    expect(stateBytes(states.at(-1)!)).toBeLessThan(250_000);
  });

  it('flushes a segment early instead of returning a state above the budget, and the segments add up', () => {
    const batches = fleet(300, 4, 100);
    const { flushes, largest, outcomes } = runWindow(batches, {
      maxStateBytes: 25_000,
      dedupCapacity: 2_000,
    });

    expect(largest).toBeLessThanOrEqual(25_000);
    expect(flushes.filter(({ reason }) => reason === 'state_budget').length).toBeGreaterThan(0);
    expect(outcomes.at(-1)!.state).toEqual({});
    expect(new Set(flushes.map(({ segmentId }) => segmentId)).size).toBe(flushes.length);
    expect(outcomes.every(({ summary }) => !summary.dedupCleared)).toBe(true);

    const merged = merge(flushes);
    const expected = expectedWindows(batches.map((records) => windowEvent({ records })));
    expect(merged.size).toBe(expected.size);
    for (const [deviceId, window] of expected) {
      expect(merged.get(deviceId)).toMatchObject({
        event_count: window.event_count,
        temperature_max: window.metrics.temperature!.max,
        battery_min: window.metrics.battery!.min,
      });
    }
  });

  it('keeps de-duplicating across a segment flushed for the budget', () => {
    const batches = fleet(300, 2, 100);
    const withCopies = [...batches, batches[0]!.map((spec) => ({ ...spec, n: spec.n + 10_000 }))];
    const { flushes } = runWindow(withCopies, { maxStateBytes: 30_000, dedupCapacity: 2_000 });

    const merged = merge(flushes);
    const total = [...merged.values()].reduce((sum, row) => sum + (row.event_count as number), 0);
    const duplicates = [...merged.values()].reduce((sum, row) => sum + (row.duplicate_count as number), 0);
    expect([total, duplicates]).toEqual([600, 100]);
  });

  it('counts readings as unverified once the id memory is full, and still counts them', () => {
    const batches = fleet(50, 4, 100);
    const { flushes, outcomes } = runWindow(batches, { maxStateBytes: 800_000, dedupCapacity: 120 });

    const row = merge(flushes);
    const counted = [...row.values()].reduce((sum, r) => sum + (r.event_count as number), 0);
    const unverified = [...row.values()].reduce((sum, r) => sum + (r.unverified_count as number), 0);
    expect([counted, unverified]).toEqual([200, 80]);
    expect(outcomes.reduce((sum, { summary }) => sum + summary.unverified, 0)).toBe(80);
  });

  it('empties the id memory only when it alone does not fit the budget', () => {
    const batches = fleet(400, 1, 400);
    const outcome = invoke(
      windowEvent({ records: batches[0]! }),
      sinkSettings({ maxStateBytes: 3_000, dedupCapacity: 1_000 }),
    );
    expect(outcome.flush?.reason).toBe('state_budget');
    expect(outcome.summary.dedupCleared).toBe(true);
    expect(stateBytes(outcome.state)).toBeLessThanOrEqual(3_000);
  });

  it("uses the devices' registry thresholds in a segment written early for the state budget too", () => {
    const registry = parseRegistry(
      [
        'device_id,site,model,owner,temperature_max,battery_min',
        'sensor-00003,plant-lyon,TH-300,process-eng,22,',
        'sensor-00010,plant-lyon,TH-300,process-eng,,70',
        'sensor-00011,plant-lyon,TH-300,process-eng,,',
      ].join('\r\n'),
      'csv',
    );
    const batches = fleet(400, 1, 400);
    const outcome = processWindowInvocation(
      toWindowInvocation(windowEvent({ records: batches[0]! })),
      sinkSettings({ maxStateBytes: 3_000, dedupCapacity: 1_000 }),
      registry,
    );
    expect(outcome.flush?.reason).toBe('state_budget');
    expect(outcome.flush?.registeredDevices).toBe(3);
    expect(
      outcome.flush?.alerts.map(({ deviceId, rule, evidence }) => [deviceId, rule.id, evidence.observed]),
    ).toEqual([
      ['sensor-00003', 'temperature_above_22', 23],
      ['sensor-00010', 'battery_below_70', 60],
    ]);
  });
});

describe('stored events', () => {
  it.each(EVENT_NAMES)('%s is a valid tumbling-window event', (name) => {
    const event = loadEvent(name);
    expect(() =>
      processWindowInvocation(
        { ...event, records: event.Records.map(({ kinesis }) => kinesis), state: event.state ?? undefined },
        settings,
      ),
    ).not.toThrow();
  });
});
