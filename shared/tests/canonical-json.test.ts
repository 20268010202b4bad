import { CANONICAL_COLUMNS, CanonicalRecordSchema, canonicalRecordJson, type CanonicalRecord } from '../src';

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

const IDENTIFIER_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-'];
const HEX_DIGITS = [...'0123456789abcdef'];
// Everything JSON escapes or that needs UTF-8 beyond ASCII: quote, backslash, controls, DEL, Latin-1,
// the JS line separators, astral characters and lone surrogates.
const AWKWARD = [
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '\u2028',
  '\u2029',
  '😀',
  '\ud800',
  '\udfff',
];

const recordGenerator = (seed: number): (() => CanonicalRecord) => {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const identifier = (): string => {
    let id = IDENTIFIER_CHARS[Math.floor(next() * 62)] as string;
    for (let length = Math.floor(next() * 20); length > 0; length -= 1) id += pick(IDENTIFIER_CHARS);
    return id;
  };
  const number = (min: number, max: number): number =>
    pick([
      min,
      max,
      0,
      -0,
      Number((min + next() * (max - min)).toFixed(Math.floor(next() * 4))),
      min + next() * (max - min),
      1e-7,
      5e-324,
      Math.floor(next() * 100),
    ]);
  const nullable = <T>(value: () => T): T | null => (next() < 0.3 ? null : value());
  const hex = (): string => Array.from({ length: 32 }, () => pick(HEX_DIGITS)).join('');
  const timestamp = (): string => new Date(Math.floor(next() * 253_402_300_800_000)).toISOString();
  const text = (): string =>
    Array.from({ length: Math.floor(next() * 12) }, () =>
      next() < 0.4 ? pick(AWKWARD) : pick(IDENTIFIER_CHARS),
    ).join('');
  return () => ({
    event_id: hex(),
    device_id: identifier(),
    site: nullable(identifier),
    firmware: nullable(identifier),
    latitude: nullable(() => number(-90, 90)),
    longitude: nullable(() => number(-180, 180)),
    event_time: timestamp(),
    ingest_time: timestamp(),
    source: pick(['kinesis', 'msk'] as const),
    schema_version: pick([1, 2, 1000]),
    temperature: nullable(() => number(-60, 150)),
    humidity: nullable(() => number(0, 100)),
    pressure: nullable(() => number(300, 1100)),
    battery: nullable(() => number(0, 100)),
    kafka_topic: nullable(() => pick(['telemetry.readings', text()])),
    kafka_partition: nullable(() => Math.floor(next() * 1000)),
    kafka_offset: nullable(() => pick([0, Number.MAX_SAFE_INTEGER, Math.floor(next() * 1e12)])),
    registered: next() < 0.9,
    model: nullable(() => pick(['TH-200', text()])),
    owner: nullable(text),
    location_label: nullable(() => pick(['Hall 3, north wall', text()])),
    install_date: nullable(() => timestamp().slice(0, 10)),
  });
};

describe('canonicalRecordJson', () => {
  it('writes exactly what JSON.stringify writes for 50,000 generated canonical records', () => {
    const nextRecord = recordGenerator(3);
    const mismatches: CanonicalRecord[] = [];
    for (let index = 0; index < 50_000; index += 1) {
      const record = nextRecord();
      if (canonicalRecordJson(record) !== JSON.stringify(record)) mismatches.push(record);
    }
    expect(mismatches).toEqual([]);
  });

  it('writes the generated records the schema accepts, parsed by it, like JSON.stringify', () => {
    const nextRecord = recordGenerator(5);
    const mismatches: CanonicalRecord[] = [];
    let accepted = 0;
    for (let index = 0; index < 20_000; index += 1) {
      const parsed = CanonicalRecordSchema.safeParse(nextRecord());
      if (!parsed.success) continue;
      accepted += 1;
      if (canonicalRecordJson(parsed.data) !== JSON.stringify(parsed.data)) mismatches.push(parsed.data);
    }
    expect(mismatches).toEqual([]);
    expect(accepted).toBeGreaterThan(10_000);
  });

  it('writes numbers JSON cannot represent as null, like JSON.stringify', () => {
    const record = {
      ...recordGenerator(1)(),
      temperature: Number.NaN,
      humidity: Number.POSITIVE_INFINITY,
      pressure: Number.NEGATIVE_INFINITY,
    };
    expect(canonicalRecordJson(record)).toBe(JSON.stringify(record));
  });

  // The serialiser writes these columns' strings without escaping: their schemas must keep
  // rejecting every character JSON would escape.
  it.each([
    'event_id',
    'device_id',
    'site',
    'firmware',
    'event_time',
    'ingest_time',
    'source',
    'install_date',
  ] as const)('relies on the %s schema rejecting characters JSON escapes', (name) => {
    const { schema } = CANONICAL_COLUMNS[name];
    const valid = recordGenerator(9)()[name] ?? 'dev-1';
    expect(schema.safeParse(valid).success).toBe(true);
    const escaped = ['"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udfff'];
    for (const character of escaped) {
      for (const position of [0, 1, valid.length - 1, valid.length]) {
        const value = `${valid.slice(0, position)}${character}${valid.slice(position)}`;
        expect(schema.safeParse(value).success).toBe(false);
      }
    }
  });
});
