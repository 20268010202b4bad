import {
  CANONICAL_COLUMNS,
  METRIC_NAMES,
  METRICS,
  type CanonicalRecord,
  type MetricName,
} from '@pipeline/shared';

/** The paths into the hub, from the canonical schema (`kinesis`, `msk`). */
export const SOURCES = CANONICAL_COLUMNS.source.schema.options;
export type Source = CanonicalRecord['source'];

/** Count, sum and extremes of one metric: enough to merge partial windows and derive the average. */
export interface MetricStats {
  n: number;
  sum: number;
  min: number;
  max: number;
}

/** Everything the window keeps about one device. Mergeable: every field is a sum, min or max. */
export interface DeviceAggregate {
  /** Distinct readings (by `event_id`) counted. */
  events: number;
  /** Readings skipped because their `event_id` was already counted in this window. */
  duplicates: number;
  /** Readings counted without being remembered for de-duplication (the id memory was full). */
  unverified: number;
  firstEventMs: number | null;
  lastEventMs: number | null;
  /** Readings per source; the number of sources with a non-zero count is "distinct sources". */
  sources: Record<Source, number>;
  metrics: Record<MetricName, MetricStats | null>;
}

// Frozen templates copied by spreading: an aggregate is made for every device of the state on every
// invocation (`readState`), and copying a template costs a fraction of building it from the lists.
const NO_SOURCES = Object.freeze(
  Object.fromEntries(SOURCES.map((source) => [source, 0])) as Record<Source, number>,
);
const NO_METRICS = Object.freeze(
  Object.fromEntries(METRIC_NAMES.map((name) => [name, null])) as Record<MetricName, MetricStats | null>,
);

export const emptyAggregate = (): DeviceAggregate => ({
  events: 0,
  duplicates: 0,
  unverified: 0,
  firstEventMs: null,
  lastEventMs: null,
  sources: { ...NO_SOURCES },
  metrics: { ...NO_METRICS },
});

/**
 * Why a reading cannot be folded into a window, if it cannot: a metric outside its physical range
 * (`METRICS`). The shared normalisation is meant to have refused such a reading already; the window
 * checks again because its state must stay finite whatever reaches the hub: two extreme but finite
 * values (1e308) add up to Infinity, which the JSON carrying the state turns into `null`. Within
 * the ranges, sums stay far below the largest double for any number of readings a window holds.
 */
export const metricOutOfRange = (record: CanonicalRecord): string | undefined => {
  for (const name of METRIC_NAMES) {
    const value = record[name];
    const { min, max, unit } = METRICS[name];
    // Written so that NaN fails too.
    if (value !== null && !(value >= min && value <= max))
      return `${name}: must be a number from ${min} to ${max} ${unit}`;
  }
  return undefined;
};

/** Folds one distinct reading into a device's aggregate (in place: this runs per record). */
export const addReading = (aggregate: DeviceAggregate, record: CanonicalRecord): void => {
  const eventMs = Date.parse(record.event_time);
  aggregate.events += 1;
  aggregate.firstEventMs =
    aggregate.firstEventMs === null ? eventMs : Math.min(aggregate.firstEventMs, eventMs);
  aggregate.lastEventMs = aggregate.lastEventMs === null ? eventMs : Math.max(aggregate.lastEventMs, eventMs);
  aggregate.sources[record.source] += 1;
  for (const name of METRIC_NAMES) {
    const value = record[name];
    if (value === null) continue;
    const stats = aggregate.metrics[name];
    if (stats) {
      stats.n += 1;
      stats.sum += value;
      stats.min = Math.min(stats.min, value);
      stats.max = Math.max(stats.max, value);
    } else {
      aggregate.metrics[name] = { n: 1, sum: value, min: value, max: value };
    }
  }
};

export const distinctSources = (aggregate: DeviceAggregate): number =>
  SOURCES.filter((source) => aggregate.sources[source] > 0).length;
