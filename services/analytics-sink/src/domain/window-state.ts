import { METRIC_NAMES, type MetricName } from '@pipeline/shared';
import { z } from 'zod';
import { DedupMemory, FINGERPRINT_CHARS } from './dedup-memory';
import {
  emptyAggregate,
  SOURCES,
  type DeviceAggregate,
  type MetricStats,
  type Source,
} from './device-aggregate';

/**
 * The aggregation state of one window on one shard, carried by Lambda between the invocations of
 * the window (`state` in the event and the response, at most 1 MB per shard).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
 */
export interface WindowState {
  /** Sequence number of the first record of the current segment; unset until a record arrives. */
  segment: string | undefined;
  devices: Map<string, DeviceAggregate>;
  dedup: DedupMemory;
}

/** Bump when the encoding changes incompatibly; metric and source lists are matched by name. */
const STATE_FORMAT = 1;
const LAYOUT = `${STATE_FORMAT}|${METRIC_NAMES.join(',')}|${SOURCES.join(',')}`;
const FIXED_FIELDS = 5;

/** A state this version cannot read: a bug or an incompatible deployment, never bad input data. */
export class StateFormatError extends Error {
  override name = 'StateFormatError';
}

/**
 * The state as it travels. Compact on purpose, since it is bounded: one positional array per device
 * `[events, duplicates, unverified, firstOffsetMs, lastOffsetMs, ...perSource, ...perMetric]`
 * where event times are offsets from the window start and a metric is `0` (no reading) or
 * `[n, sum, min, max]`; fingerprints per device as concatenated base64. `l` names the layout.
 */
const EncodedStateSchema = z.strictObject({
  l: z.string(),
  s: z.string().min(1).optional(),
  d: z.record(z.string(), z.array(z.unknown())),
  f: z.record(z.string(), z.string().regex(/^(?:[A-Za-z0-9+/]{8})*$/)),
});
export type EncodedState = z.infer<typeof EncodedStateSchema>;

const count = z.number().int().nonnegative();
const offset = z.number().int().nullable();
const metricTuple = z.union([z.literal(0), z.tuple([count, z.number(), z.number(), z.number()])]);

// Hand-written checks that accept a subset of what the schemas above accept: the state is decoded on
// every invocation and grows with the devices of the window, and zod made decoding most of an
// invocation's time. Anything they refuse goes through the schemas, so a bad state is reported
// exactly as before.
const isCount = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isOffset = (value: unknown): boolean =>
  value === null || (typeof value === 'number' && Number.isSafeInteger(value));
const isFiniteNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const BASE64_DIGIT = new Uint8Array(128);
for (const digit of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')
  BASE64_DIGIT[digit.charCodeAt(0)] = 1;
/** The schema's fingerprint pattern, `^(?:[A-Za-z0-9+/]{8})*$`, as a loop over the characters. */
const isFingerprints = (packed: string): boolean => {
  if (packed.length % FINGERPRINT_CHARS !== 0) return false;
  for (let index = 0; index < packed.length; index += 1)
    if (BASE64_DIGIT[packed.charCodeAt(index)] !== 1) return false;
  return true;
};

const isEncodedState = (raw: Record<string, unknown>): raw is EncodedState => {
  for (const key in raw) if (key !== 'l' && key !== 's' && key !== 'd' && key !== 'f') return false;
  if (typeof raw.l !== 'string') return false;
  if (raw.s !== undefined && !(typeof raw.s === 'string' && raw.s.length > 0)) return false;
  const { d, f } = raw;
  if (!isRecord(d) || !isRecord(f)) return false;
  for (const key in d) if (key === '__proto__' || !Array.isArray(d[key])) return false;
  for (const key in f) {
    const value = f[key];
    if (key === '__proto__' || typeof value !== 'string' || !isFingerprints(value)) return false;
  }
  return true;
};

const isTuple = (tuple: unknown, sources: number, metrics: number): tuple is unknown[] => {
  if (!Array.isArray(tuple) || tuple.length !== FIXED_FIELDS + sources + metrics) return false;
  if (!isCount(tuple[0]) || !isCount(tuple[1]) || !isCount(tuple[2])) return false;
  if (!isOffset(tuple[3]) || !isOffset(tuple[4])) return false;
  for (let index = FIXED_FIELDS; index < FIXED_FIELDS + sources; index += 1)
    if (!isCount(tuple[index])) return false;
  for (let index = FIXED_FIELDS + sources; index < tuple.length; index += 1) {
    const metric: unknown = tuple[index];
    if (metric === 0) continue;
    if (!Array.isArray(metric) || metric.length !== 4 || !isCount(metric[0])) return false;
    if (!isFiniteNumber(metric[1]) || !isFiniteNumber(metric[2]) || !isFiniteNumber(metric[3])) return false;
  }
  return true;
};

const tupleSchema = (sources: number, metrics: number) =>
  z.tuple([
    count,
    count,
    count,
    offset,
    offset,
    ...Array.from({ length: sources }, () => count),
    ...Array.from({ length: metrics }, () => metricTuple),
  ] as unknown as [z.ZodType, ...z.ZodType[]]);

export const emptyState = (dedupCapacity: number): WindowState => ({
  segment: undefined,
  devices: new Map(),
  dedup: new DedupMemory(dedupCapacity),
});

const encodeMetric = (stats: MetricStats | null): 0 | [number, number, number, number] =>
  stats ? [stats.n, stats.sum, stats.min, stats.max] : 0;

const encodeDevice = (aggregate: DeviceAggregate, windowStartMs: number): unknown[] => {
  const tuple: unknown[] = [
    aggregate.events,
    aggregate.duplicates,
    aggregate.unverified,
    aggregate.firstEventMs === null ? null : aggregate.firstEventMs - windowStartMs,
    aggregate.lastEventMs === null ? null : aggregate.lastEventMs - windowStartMs,
  ];
  for (const source of SOURCES) tuple.push(aggregate.sources[source]);
  for (const name of METRIC_NAMES) tuple.push(encodeMetric(aggregate.metrics[name]));
  return tuple;
};

/**
 * The state to return to Lambda. Lambda passes it to the next invocation as JSON, where a
 * non-finite number becomes `null`, so every aggregate is checked with the reader's own rule
 * before it leaves: finite numbers, safe-integer counts. The inputs are bounded (`metricOutOfRange`),
 * so a failure here is a bug; it fails the invocation, which Lambda retries with the previous,
 * readable state, rather than hand the next invocation a state it would have to discard.
 */
export const encodeState = (state: WindowState, windowStartMs: number): EncodedState => ({
  l: LAYOUT,
  ...(state.segment === undefined ? {} : { s: state.segment }),
  d: Object.fromEntries(
    [...state.devices].map(([deviceId, aggregate]) => {
      const tuple = encodeDevice(aggregate, windowStartMs);
      if (!isTuple(tuple, SOURCES.length, METRIC_NAMES.length))
        throw new StateFormatError(`the aggregate of ${deviceId} would not survive JSON: ${String(tuple)}`);
      return [deviceId, tuple];
    }),
  ),
  f: state.dedup.encode(),
});

/** Serialised size of a state as Lambda measures it against the 1 MB limit (JSON, UTF-8). */
export const stateBytes = (encoded: object): number => Buffer.byteLength(JSON.stringify(encoded), 'utf8');

/** The layout's metric and source names, or why this version cannot read it. */
const parseLayout = (layout: string): { metrics: string[]; sources: string[] } | string => {
  const [format, metrics = '', sources = ''] = layout.split('|');
  if (format !== String(STATE_FORMAT))
    return `state format ${format} is not ${STATE_FORMAT}: written by another version`;
  return { metrics: metrics.split(','), sources: sources.split(',') };
};

/**
 * What could not be read from the state Lambda passed in, and was therefore left out. The
 * aggregates of these devices for the window so far are lost from the real-time table (the lake
 * still holds their readings): reported as an ERROR and a metric, never a failed invocation.
 */
export interface DiscardedState {
  /** The first problem found, e.g. `unreadable aggregate for dev-0666`. */
  reason: string;
  /** Devices whose aggregates were left out (all of the state's when it `restarted`). */
  devices: string[];
  /** Readings those aggregates had counted, as far as their own count could still be read. */
  readings: number;
  /** The whole state was unreadable: the window continues on this shard from an empty state. */
  restarted: boolean;
}

export interface ReadState {
  state: WindowState;
  discarded: DiscardedState | undefined;
}

const eventsOf = (tuple: unknown): number => (Array.isArray(tuple) && isCount(tuple[0]) ? tuple[0] : 0);

/** The whole state is unusable: start the window again, naming what the state held. */
const restart = (raw: Record<string, unknown>, dedupCapacity: number, reason: string): ReadState => {
  const d = isRecord(raw.d) ? raw.d : {};
  const devices = Object.keys(d);
  return {
    state: emptyState(dedupCapacity),
    discarded: {
      reason,
      devices,
      readings: devices.reduce((sum, deviceId) => sum + eventsOf(d[deviceId]), 0),
      restarted: true,
    },
  };
};

/**
 * Reads the state Lambda passed in. `{}` (the first invocation of a window, or the first after an
 * early termination) is an empty state. Metrics or sources added or removed by a deployment in
 * the middle of a window are matched by name: new ones start empty, removed ones are dropped.
 *
 * A state this version cannot read never fails the invocation: Lambda would retry it with the same
 * state until the retries run out, suspending the shard and then losing the window of every device
 * on it ("If the invocation fails, your Lambda function suspends further processing until a
 * successful invocation", https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html).
 * An unreadable device aggregate is left out with its de-duplication ids (so a redelivered copy of
 * its readings is counted again rather than skipped as a duplicate of a lost reading); a state whose
 * envelope is unreadable (another format, e.g. after a rollback) restarts the window on the shard.
 * Either way `discarded` names what was lost.
 */
export const readState = (
  raw: Record<string, unknown> | undefined,
  windowStartMs: number,
  dedupCapacity: number,
): ReadState => {
  if (raw === undefined || Object.keys(raw).length === 0)
    return { state: emptyState(dedupCapacity), discarded: undefined };
  let state: EncodedState;
  if (isEncodedState(raw)) {
    state = raw;
  } else {
    const parsed = EncodedStateSchema.safeParse(raw);
    if (!parsed.success)
      return restart(raw, dedupCapacity, `unreadable window state: ${parsed.error.issues[0]?.message}`);
    state = parsed.data;
  }
  const { l, s, d, f } = state;
  const layout = parseLayout(l);
  if (typeof layout === 'string') return restart(raw, dedupCapacity, layout);
  if (s === undefined && Object.keys(d).length > 0)
    return restart(raw, dedupCapacity, 'window state has aggregates but no segment');
  const sourceCount = layout.sources.length;
  const metricCount = layout.metrics.length;
  let schema: ReturnType<typeof tupleSchema> | undefined;
  // Where each source and metric the aggregate has sits in the layout's tuples (matched by name, as
  // `in` an aggregate), found once per state rather than once per device.
  const { sources, metrics } = emptyAggregate();
  const sourceFields = layout.sources.flatMap((source, index): [Source, number][] =>
    source in sources ? [[source as Source, FIXED_FIELDS + index]] : [],
  );
  const metricFields = layout.metrics.flatMap((name, index): [MetricName, number][] =>
    name in metrics ? [[name as MetricName, FIXED_FIELDS + sourceCount + index]] : [],
  );

  const devices = new Map<string, DeviceAggregate>();
  const fingerprints = { ...f };
  let discarded: DiscardedState | undefined;
  for (const [deviceId, tuple] of Object.entries(d)) {
    let values: unknown[];
    if (isTuple(tuple, sourceCount, metricCount)) {
      values = tuple;
    } else {
      schema ??= tupleSchema(sourceCount, metricCount);
      const fields = schema.safeParse(tuple);
      if (!fields.success) {
        discarded ??= {
          reason: `unreadable aggregate for ${deviceId}`,
          devices: [],
          readings: 0,
          restarted: false,
        };
        discarded.devices.push(deviceId);
        discarded.readings += eventsOf(tuple);
        delete fingerprints[deviceId];
        continue;
      }
      values = fields.data as unknown[];
    }
    const [events, duplicates, unverified, first, last] = values as [
      number,
      number,
      number,
      number | null,
      number | null,
    ];
    const aggregate = emptyAggregate();
    aggregate.events = events;
    aggregate.duplicates = duplicates;
    aggregate.unverified = unverified;
    aggregate.firstEventMs = first === null ? null : windowStartMs + first;
    aggregate.lastEventMs = last === null ? null : windowStartMs + last;
    for (const [source, index] of sourceFields) aggregate.sources[source] = values[index] as number;
    for (const [name, index] of metricFields) {
      const metric = values[index] as 0 | [number, number, number, number];
      aggregate.metrics[name] =
        metric === 0 ? null : { n: metric[0], sum: metric[1], min: metric[2], max: metric[3] };
    }
    devices.set(deviceId, aggregate);
  }
  return {
    state: { segment: s, devices, dedup: DedupMemory.decode(fingerprints, dedupCapacity) },
    discarded,
  };
};

/** Reads a state that must be entirely readable (tests, tools): anything `readState` discards throws. */
export const decodeState = (
  raw: Record<string, unknown> | undefined,
  windowStartMs: number,
  dedupCapacity: number,
): WindowState => {
  const { state, discarded } = readState(raw, windowStartMs, dedupCapacity);
  if (discarded) throw new StateFormatError(discarded.reason);
  return state;
};
