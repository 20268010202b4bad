import {
  DEFAULT_EVENT_TIME_POLICY,
  METRIC_NAMES,
  decodeJsonObject,
  normaliseHubMessage,
  type CanonicalRecord,
} from '@pipeline/shared';
import {
  processWindowInvocation,
  type InvocationOutcome,
  type SinkSettings,
} from '../src/domain/process-window';
import { toWindowInvocation, type WindowEvent } from '../src/handlers/window-event';
import { windowEvent, type RecordSpec, type WindowEventSpec } from './events';

/** One invocation of the domain with an event as Lambda sends it. */
export const invoke = (event: WindowEvent, settings: SinkSettings): InvocationOutcome =>
  processWindowInvocation(toWindowInvocation(event), settings);

/**
 * Runs batches through one window as Lambda would, carrying the state: `states[i]` is the state
 * batch `i` receives, the last entry the state after all batches.
 */
export const chainStates = (
  batches: RecordSpec[][],
  settings: SinkSettings,
  spec: Omit<WindowEventSpec, 'records' | 'state'> = {},
): Record<string, unknown>[] => {
  const states: Record<string, unknown>[] = [{}];
  for (const records of batches) {
    states.push(invoke(windowEvent({ ...spec, records, state: states.at(-1) }), settings).state);
  }
  return states;
};

export interface ExpectedWindow {
  device_id: string;
  event_count: number;
  first_event_time: string;
  last_event_time: string;
  source_count: number;
  metrics: Record<string, { count: number; min: number | null; max: number | null; avg: number | null }>;
}

/**
 * The expected window aggregates, computed the plain way from the same records: decode and
 * normalise every record (the shared rules), keep the first record of each `event_id`, group by
 * device and compute each figure with array operations. Shares no code with the sink's domain.
 */
export const expectedWindows = (events: readonly WindowEvent[]): Map<string, ExpectedWindow> => {
  const readings: CanonicalRecord[] = [];
  for (const record of events.flatMap((event) => event.Records)) {
    const decoded = decodeJsonObject(record.kinesis.data, 65_536);
    if (!decoded.ok) continue;
    const normalised = normaliseHubMessage(
      decoded.value,
      Math.round(record.kinesis.approximateArrivalTimestamp * 1000),
      DEFAULT_EVENT_TIME_POLICY,
    );
    if (normalised.outcome === 'ok') readings.push(normalised.record);
  }
  const distinct = [...new Map(readings.reverse().map((reading) => [reading.event_id, reading])).values()];
  const byDevice = new Map<string, CanonicalRecord[]>();
  for (const reading of distinct)
    byDevice.set(reading.device_id, [...(byDevice.get(reading.device_id) ?? []), reading]);
  return new Map(
    [...byDevice].map(([deviceId, list]) => {
      const times = list.map((reading) => reading.event_time).sort();
      const metrics = Object.fromEntries(
        METRIC_NAMES.map((metric) => {
          const values = list
            .map((reading) => reading[metric])
            .filter((value): value is number => value !== null);
          return [
            metric,
            {
              count: values.length,
              min: values.length ? Math.min(...values) : null,
              max: values.length ? Math.max(...values) : null,
              avg: values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null,
            },
          ];
        }),
      );
      return [
        deviceId,
        {
          device_id: deviceId,
          event_count: list.length,
          first_event_time: times[0]!,
          last_event_time: times.at(-1)!,
          source_count: new Set(list.map((reading) => reading.source)).size,
          metrics,
        },
      ];
    }),
  );
};
