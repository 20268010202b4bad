import { isoTimestamp } from './iso-time';

/** Partition keys of the lake (`raw/dt=YYYY-MM-DD/hour=HH/`), from an event time in epoch ms (UTC). */
// A type alias, not an interface, so it fits Firehose's `partitionKeys` string map.
export type PartitionKeys = { dt: string; hour: string };

/** Partition keys from a timestamp already formatted as ISO-8601 UTC, so it is not formatted twice. */
export const partitionKeysOfIso = (iso: string): PartitionKeys => ({
  dt: iso.slice(0, 10),
  hour: iso.slice(11, 13),
});

export const partitionKeysFor = (epochMs: number): PartitionKeys => partitionKeysOfIso(isoTimestamp(epochMs));

/** Top-level prefixes of the ingest bucket. */
export const LAKE_PREFIX = {
  raw: 'raw/',
  errors: 'errors/',
} as const;

/** The object prefix holding one hour of the lake. */
export const rawPartitionPrefix = ({ dt, hour }: PartitionKeys): string =>
  `${LAKE_PREFIX.raw}dt=${dt}/hour=${hour}/`;

const RAW_KEY = /^raw\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/[^/]+$/;

/**
 * The partition an object key of the lake belongs to, or undefined for keys outside the layout.
 * Dates and hours are checked for real values, so `dt=2026-13-40` is not a partition.
 */
export const partitionOfKey = (key: string): PartitionKeys | undefined => {
  const match = RAW_KEY.exec(key);
  if (!match) return undefined;
  const [, dt = '', hour = ''] = match;
  // Round-tripping through Date rejects impossible values (hour=24, dt=2026-02-30) that the regex lets through.
  const start = new Date(`${dt}T${hour}:00:00.000Z`);
  return !Number.isNaN(start.getTime()) && start.toISOString().startsWith(`${dt}T${hour}`)
    ? { dt, hour }
    : undefined;
};
