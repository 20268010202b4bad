import { METRIC_NAMES, type MetricName } from '@pipeline/shared';
import { z } from 'zod';
import { DedupMemory } from './dedup-memory';
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
const FINGERPRINTS = /^(?:[A-Za-z0-9+/]{8})*$/;

const isEncodedState = (raw: Record<string, unknown>): raw is EncodedState => {
  for (const key in raw) if (key !== 'l' && key !== 's' && key !== 'd' && key !== 'f') return false;
  if (typeof raw.l !== 'string') return false;
  if (raw.s !== undefined && !(typeof raw.s === 'string' && raw.s.length > 0)) return false;
  const { d, f } = raw;
  if (!isRecord(d) || !isRecord(f)) return false;
  for (const key in d) if (key === '__proto__' || !Array.isArray(d[key])) return false;
  for (const key in f) {
    const value = f[key];
    if (key === '__proto__' || typeof value !== 'string' || !FINGERPRINTS.test(value)) return false;
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

const encodeDevice = (aggregate: DeviceAggregate, windowStartMs: number): unknown[] => [
  aggregate.events,
  aggregate.duplicates,
  aggregate.unverified,
  aggregate.firstEventMs === null ? null : aggregate.firstEventMs - windowStartMs,
  aggregate.lastEventMs === null ? null : aggregate.lastEventMs - windowStartMs,
  ...SOURCES.map((source) => aggregate.sources[source]),
  ...METRIC_NAMES.map((name) => encodeMetric(aggregate.metrics[name])),
];

export const encodeState = (state: WindowState, windowStartMs: number): EncodedState => ({
  l: LAYOUT,
  ...(state.segment === undefined ? {} : { s: state.segment }),
  d: Object.fromEntries(
    [...state.devices].map(([deviceId, aggregate]) => [deviceId, encodeDevice(aggregate, windowStartMs)]),
  ),
  f: state.dedup.encode(),
});

/** Serialised size of a state as Lambda measures it against the 1 MB limit (JSON, UTF-8). */
export const stateBytes = (encoded: object): number => Buffer.byteLength(JSON.stringify(encoded), 'utf8');

const parseLayout = (layout: string): { metrics: string[]; sources: string[] } => {
  const [format, metrics = '', sources = ''] = layout.split('|');
  if (format !== String(STATE_FORMAT)) {
    throw new StateFormatError(
      `state format ${format} is not ${STATE_FORMAT}: deploy a version that reads it`,
    );
  }
  return { metrics: metrics.split(','), sources: sources.split(',') };
};

/**
 * Reads the state Lambda passed in. `{}` (the first invocation of a window, or the first after an
 * early termination) is an empty state. Metrics or sources added or removed by a deployment in
 * the middle of a window are matched by name: new ones start empty, removed ones are dropped.
 */
export const decodeState = (
  raw: Record<string, unknown> | undefined,
  windowStartMs: number,
  dedupCapacity: number,
): WindowState => {
  if (raw === undefined || Object.keys(raw).length === 0) return emptyState(dedupCapacity);
  let state: EncodedState;
  if (isEncodedState(raw)) {
    state = raw;
  } else {
    const parsed = EncodedStateSchema.safeParse(raw);
    if (!parsed.success)
      throw new StateFormatError(`unreadable window state: ${parsed.error.issues[0]?.message}`);
    state = parsed.data;
  }
  const { l, s, d, f } = state;
  const layout = parseLayout(l);
  const sourceCount = layout.sources.length;
  const metricCount = layout.metrics.length;
  let schema: ReturnType<typeof tupleSchema> | undefined;

  const devices = new Map<string, DeviceAggregate>();
  for (const [deviceId, tuple] of Object.entries(d)) {
    let values: unknown[];
    if (isTuple(tuple, sourceCount, metricCount)) {
      values = tuple;
    } else {
      schema ??= tupleSchema(sourceCount, metricCount);
      const fields = schema.safeParse(tuple);
      if (!fields.success) throw new StateFormatError(`unreadable aggregate for ${deviceId}`);
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
    Object.assign(aggregate, {
      events,
      duplicates,
      unverified,
      firstEventMs: first === null ? null : windowStartMs + first,
      lastEventMs: last === null ? null : windowStartMs + last,
    });
    layout.sources.forEach((source, index) => {
      if (source in aggregate.sources)
        aggregate.sources[source as Source] = values[FIXED_FIELDS + index] as number;
    });
    layout.metrics.forEach((name, index) => {
      if (!(name in aggregate.metrics)) return;
      const metric = values[FIXED_FIELDS + layout.sources.length + index] as
        0 | [number, number, number, number];
      aggregate.metrics[name as MetricName] =
        metric === 0 ? null : { n: metric[0], sum: metric[1], min: metric[2], max: metric[3] };
    });
    devices.set(deviceId, aggregate);
  }
  return { segment: s, devices, dedup: DedupMemory.decode(f, dedupCapacity) };
};
