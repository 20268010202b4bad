import { isoTimestamp } from '../src/telemetry/iso-time';

const DAY_MS = 86_400_000;
const MAX_DATE_MS = 8.64e15;
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** xorshift32, seeded: the same values on every run. */
const random = (seed: number): (() => number) => {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
};

describe('isoTimestamp', () => {
  it('formats like Date#toISOString over a million instants, in runs within a day and across days', () => {
    const next = random(7);
    const mismatches: number[] = [];
    let epochMs = Date.parse('2026-11-25T00:00:00.000Z');
    for (let index = 0; index < 1_000_000; index += 1) {
      const step = next();
      epochMs =
        step < 0.9
          ? epochMs + Math.floor(next() * 5_000) // the next reading, usually the same day
          : step < 0.95
            ? Math.floor(next() * 253_402_300_800_000) // anywhere from 1970 to 9999
            : epochMs - Math.floor(next() * 3 * DAY_MS); // back a few days
      if (isoTimestamp(epochMs) !== iso(epochMs)) mismatches.push(epochMs);
    }
    expect(mismatches).toEqual([]);
  });

  it('formats every millisecond boundary of a day like Date#toISOString', () => {
    const day = Date.parse('2024-02-29T00:00:00.000Z');
    const instants = [-DAY_MS, -1, 0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000];
    for (const hour of [9, 10, 23]) instants.push(hour * 3_600_000, hour * 3_600_000 + 3_599_999);
    instants.push(DAY_MS - 1, DAY_MS, DAY_MS + 1);
    for (const offset of instants) expect(isoTimestamp(day + offset)).toBe(iso(day + offset));
  });

  it.each([
    ['the epoch', 0],
    ['the last millisecond of year 9999', 253_402_300_799_999],
    ['year 10000', 253_402_300_800_000],
    ['the largest Date', MAX_DATE_MS],
    ['before 1970', -1],
    ['the smallest Date', -MAX_DATE_MS],
    ['a fraction of a millisecond', Date.parse('2026-11-25T08:00:05.120Z') + 0.7],
    ['a negative fraction', -0.5],
    ['negative zero', -0],
  ])('formats %s like Date#toISOString, with and without its day cached', (_, epochMs) => {
    isoTimestamp(Date.parse('2026-11-25T08:00:05.120Z'));
    expect(isoTimestamp(epochMs)).toBe(iso(epochMs));
    expect(isoTimestamp(epochMs)).toBe(iso(epochMs));
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, MAX_DATE_MS + 1])(
    'throws the RangeError of Date#toISOString for %s',
    (epochMs) => {
      isoTimestamp(Date.parse('2026-11-25T08:00:05.120Z'));
      expect(() => iso(epochMs)).toThrow(RangeError);
      expect(() => isoTimestamp(epochMs)).toThrow(RangeError);
    },
  );
});
