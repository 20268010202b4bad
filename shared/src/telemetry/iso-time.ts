const DAY_MS = 86_400_000;

// The day of the last instant formatted: readings in a batch are seconds to minutes apart, so
// almost every call reuses it.
let cachedDayStartMs = Number.NaN;
let cachedDayPrefix = '';

const twoDigits = (value: number): string => (value < 10 ? `0${value}` : `${value}`);
const threeDigits = (value: number): string =>
  value < 10 ? `00${value}` : value < 100 ? `0${value}` : `${value}`;

/**
 * `new Date(epochMs).toISOString()`, exactly (`YYYY-MM-DDTHH:mm:ss.sssZ`, and the same RangeError
 * for an instant a Date cannot hold). It runs twice per record on the transform's hot path, where
 * `toISOString` costs about 0.45 µs a call; this formats the time of day arithmetically after a
 * cached `YYYY-MM-DDT` prefix (about 0.07 µs). Anything else (another day, a fraction of a
 * millisecond, a year outside 1970-9999) goes through `toISOString`, which then caches its day.
 */
export const isoTimestamp = (epochMs: number): string => {
  const msOfDay = epochMs - cachedDayStartMs;
  if (msOfDay >= 0 && msOfDay < DAY_MS && Number.isInteger(msOfDay)) {
    const hours = twoDigits(Math.floor(msOfDay / 3_600_000));
    const minutes = twoDigits(Math.floor(msOfDay / 60_000) % 60);
    const seconds = twoDigits(Math.floor(msOfDay / 1000) % 60);
    return `${cachedDayPrefix}${hours}:${minutes}:${seconds}.${threeDigits(msOfDay % 1000)}Z`;
  }
  const iso = new Date(epochMs).toISOString();
  if (Number.isInteger(epochMs) && epochMs >= 0 && iso.length === 24) {
    cachedDayStartMs = epochMs - (epochMs % DAY_MS);
    cachedDayPrefix = iso.slice(0, 11);
  }
  return iso;
};
