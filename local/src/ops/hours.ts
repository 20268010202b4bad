const HOUR_MS = 3_600_000;
const HOUR_ARG = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/;

export interface PartitionHour {
  dt: string;
  hour: string;
}

/** `2026-11-25T06` to epoch ms of that UTC hour. */
export const parseHour = (value: string, name: string): number => {
  const match = HOUR_ARG.exec(value);
  const ms = match ? Date.parse(`${match[1]}T${match[2]}:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new RangeError(`${name} must be a UTC hour like 2026-11-25T06, got ${value}`);
  return ms;
};

export const partitionOf = (epochMs: number): PartitionHour => {
  const iso = new Date(epochMs).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
};

/** Every UTC hour from `from` to `to`, both included. */
export const hoursBetween = (from: string, to: string): PartitionHour[] => {
  const start = parseHour(from, '--from');
  const end = parseHour(to, '--to');
  if (end < start) throw new RangeError('--to is before --from');
  if ((end - start) / HOUR_MS >= 24 * 31) throw new RangeError('at most 31 days of hours at a time');
  const hours: PartitionHour[] = [];
  for (let at = start; at <= end; at += HOUR_MS) hours.push(partitionOf(at));
  return hours;
};

/** The hour of a `.../dt=YYYY-MM-DD/hour=HH/...` key, as epoch ms; undefined outside that layout. */
export const hourOfKey = (key: string): number | undefined => {
  const match = /\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//.exec(key);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}:00:00Z`);
  return Number.isFinite(ms) ? ms : undefined;
};
