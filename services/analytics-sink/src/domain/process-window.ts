import {
  decodeJsonObject,
  normaliseHubMessage,
  type DropReason,
  type EventTimePolicy,
  type RejectionReason,
} from '@pipeline/shared';
import type { DeviceRegistry } from '@pipeline/shared/registry';
import type { WarehouseRow } from '@pipeline/shared/warehouse';
import { rulesForDevice, type AlertRule } from './alert-rules';
import { alertsFor, type ThresholdAlert } from './alerts';
import { addReading, emptyAggregate, metricOutOfRange, type DeviceAggregate } from './device-aggregate';
import { windowPartRow, type WindowBounds } from './realtime-tables';
import {
  encodeState,
  readState,
  stateBytes,
  StateFormatError,
  type DiscardedState,
  type EncodedState,
  type WindowState,
} from './window-state';

export interface SinkSettings {
  /** Decoded payloads above this are rejected as `oversized_record` before parsing. */
  maxRecordBytes: number;
  eventTime: EventTimePolicy;
  /** The configured rules; a device's registry entry may override or add thresholds (see `rulesForDevice`). */
  rules: readonly AlertRule[];
  /** Largest state returned to Lambda; above it the segment is flushed early (see README). */
  maxStateBytes: number;
  /** Most `event_id` fingerprints remembered per window and shard for de-duplication. */
  dedupCapacity: number;
}

/** The parts of a Kinesis record the sink reads. `data` is still base64. */
export interface StreamRecord {
  sequenceNumber: string;
  /** Epoch seconds with a fraction, as Lambda's Kinesis event carries it. */
  approximateArrivalTimestamp: number;
  data: string;
}

/** The tumbling-window fields of a Kinesis event plus its records. */
export interface WindowInvocation {
  shardId: string;
  window: { start: string; end: string };
  state?: Record<string, unknown>;
  isFinalInvokeForWindow: boolean;
  isWindowTerminatedEarly: boolean;
  records: readonly StreamRecord[];
}

/**
 * Why a segment is written: the window ended, Lambda ended it early (state over 1 MB), or the
 * sink ended the segment itself to keep the state under its budget.
 */
export type FlushReason = 'window_closed' | 'terminated_early' | 'state_budget';

/** A segment's aggregates and the alerts they raise, to be written before the response is returned. */
export interface SegmentFlush {
  reason: FlushReason;
  segmentId: string;
  window: WindowBounds;
  /** `realtime_device_window_part` rows without `written_at`, one per device. */
  rows: WarehouseRow[];
  alerts: ThresholdAlert[];
  /** Devices of the segment that have a registry entry (their thresholds may be their own). */
  registeredDevices: number;
}

export interface RecordRejection {
  sequenceNumber: string;
  reason: RejectionReason;
  detail: string;
}

export interface InvocationSummary {
  records: number;
  counted: number;
  duplicates: number;
  unverified: number;
  dropped: Partial<Record<DropReason, number>>;
  rejected: Partial<Record<RejectionReason, number>>;
  /** Devices in the state (before a flush resets it). */
  devices: number;
  /** Size of the state returned. */
  stateBytes: number;
  /** The de-duplication memory had to be emptied to fit the state budget. */
  dedupCleared: boolean;
}

export interface InvocationOutcome {
  /** The `state` to return: `{}` once the window (or segment, on early termination) is closed. */
  state: EncodedState | Record<string, never>;
  flush?: SegmentFlush;
  rejections: RecordRejection[];
  summary: InvocationSummary;
  /** What the state passed in held but could not be read (left out, never a failed invocation). */
  discarded?: DiscardedState;
}

const increment = <K extends string>(counts: Partial<Record<K, number>>, key: K): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** A segment is named by its shard and first record, like a Kinesis `eventID`. */
const segmentIdOf = (shardId: string, firstSequenceNumber: string): string =>
  `${shardId}:${firstSequenceNumber}`;

const flushOf = (
  state: WindowState,
  invocation: WindowInvocation,
  window: WindowBounds,
  rules: readonly AlertRule[],
  registry: DeviceRegistry | undefined,
  reason: FlushReason,
): SegmentFlush | undefined => {
  if (state.devices.size === 0) return undefined;
  if (state.segment === undefined) throw new StateFormatError('window state has aggregates but no segment');
  const segmentId = segmentIdOf(invocation.shardId, state.segment);
  const devices = [...state.devices];
  let registeredDevices = 0;
  const alerts = devices.flatMap(([deviceId, aggregate]) => {
    const entry = registry?.get(deviceId);
    if (entry) registeredDevices += 1;
    return alertsFor(deviceId, aggregate, rulesForDevice(rules, entry), window, segmentId);
  });
  return {
    reason,
    segmentId,
    window,
    rows: devices.map(([deviceId, aggregate]) => windowPartRow(deviceId, aggregate, window, segmentId)),
    alerts,
    registeredDevices,
  };
};

/**
 * One invocation of the tumbling window, without I/O: folds the batch into the window state and
 * says what to write.
 *
 * - Every record is decoded and normalised by the shared hub rules; invalid records are rejected
 *   with their reason and skipped (retrying cannot fix them), heartbeats are dropped.
 * - A reading whose `event_id` was already counted in the window is a duplicate and only counted
 *   as such.
 * - On the final invocation of the window, or when Lambda ended it early, the segment's rows and
 *   alerts are returned for writing and the state is emptied.
 * - Otherwise the state is returned, unless it has grown beyond `maxStateBytes`: then the segment
 *   is flushed now and a new one starts with the next record, keeping the de-duplication memory
 *   (emptied too only if it alone does not fit), so Lambda's 1 MB limit is never reached.
 *
 * Alerts use each device's rules (`rulesForDevice`): its registry thresholds where `registry` has
 * an entry for it, the configured rules otherwise (also when no registry is available).
 *
 * Deterministic: the same event and registry always give the same outcome, so a retried
 * invocation rewrites the same rows.
 */
export const processWindowInvocation = (
  invocation: WindowInvocation,
  settings: SinkSettings,
  registry?: DeviceRegistry,
): InvocationOutcome => {
  const window: WindowBounds = {
    startMs: Date.parse(invocation.window.start),
    endMs: Date.parse(invocation.window.end),
  };
  const { state, discarded } = readState(invocation.state, window.startMs, settings.dedupCapacity);
  const lost = discarded ? { discarded } : {};
  const rejections: RecordRejection[] = [];
  const summary: InvocationSummary = {
    records: invocation.records.length,
    counted: 0,
    duplicates: 0,
    unverified: 0,
    dropped: {},
    rejected: {},
    devices: 0,
    stateBytes: 0,
    dedupCleared: false,
  };
  const reject = (sequenceNumber: string, reason: RejectionReason, detail: string): void => {
    rejections.push({ sequenceNumber, reason, detail });
    increment(summary.rejected, reason);
  };

  for (const record of invocation.records) {
    state.segment ??= record.sequenceNumber;
    const decoded = decodeJsonObject(record.data, settings.maxRecordBytes);
    if (!decoded.ok) {
      reject(record.sequenceNumber, decoded.reason, decoded.detail);
      continue;
    }
    // The hub arrival time is the ingest time, as in the Firehose transform: replays normalise alike.
    const arrivalMs = Math.round(record.approximateArrivalTimestamp * 1000);
    const normalised = normaliseHubMessage(decoded.value, arrivalMs, settings.eventTime);
    if (normalised.outcome === 'rejected') {
      reject(record.sequenceNumber, normalised.reason, normalised.detail);
      continue;
    }
    if (normalised.outcome === 'dropped') {
      increment(summary.dropped, normalised.reason);
      continue;
    }
    const reading = normalised.record;
    const outOfRange = metricOutOfRange(reading);
    if (outOfRange !== undefined) {
      reject(record.sequenceNumber, 'invalid_metrics', outOfRange);
      continue;
    }
    let aggregate: DeviceAggregate | undefined = state.devices.get(reading.device_id);
    if (!aggregate) {
      aggregate = emptyAggregate();
      state.devices.set(reading.device_id, aggregate);
    }
    const seen = state.dedup.check(reading.device_id, reading.event_id);
    if (seen === 'duplicate') {
      aggregate.duplicates += 1;
      summary.duplicates += 1;
      continue;
    }
    if (seen === 'unverified') {
      aggregate.unverified += 1;
      summary.unverified += 1;
    }
    addReading(aggregate, reading);
    summary.counted += 1;
  }
  summary.devices = state.devices.size;

  // https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html: after the final
  // invocation the state is dropped; after an early termination the window continues with `{}`.
  if (invocation.isFinalInvokeForWindow || invocation.isWindowTerminatedEarly) {
    const reason: FlushReason = invocation.isWindowTerminatedEarly ? 'terminated_early' : 'window_closed';
    const flush = flushOf(state, invocation, window, settings.rules, registry, reason);
    summary.stateBytes = 2;
    return { state: {}, ...(flush ? { flush } : {}), rejections, summary, ...lost };
  }

  let encoded = encodeState(state, window.startMs);
  summary.stateBytes = stateBytes(encoded);
  if (summary.stateBytes <= settings.maxStateBytes) return { state: encoded, rejections, summary, ...lost };

  const flush = flushOf(state, invocation, window, settings.rules, registry, 'state_budget');
  state.devices.clear();
  state.segment = undefined;
  encoded = encodeState(state, window.startMs);
  if (stateBytes(encoded) > settings.maxStateBytes) {
    state.dedup.clear();
    summary.dedupCleared = true;
    encoded = encodeState(state, window.startMs);
  }
  summary.stateBytes = stateBytes(encoded);
  return { state: encoded, ...(flush ? { flush } : {}), rejections, summary, ...lost };
};
