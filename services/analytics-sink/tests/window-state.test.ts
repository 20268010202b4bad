import { CanonicalRecordSchema } from '@pipeline/shared';
import { DedupMemory, fingerprintOf } from '../src/domain/dedup-memory';
import { addReading, emptyAggregate } from '../src/domain/device-aggregate';
import { decodeState, encodeState, StateFormatError, type WindowState } from '../src/domain/window-state';

const START = Date.parse('2026-11-25T08:00:00Z');

const state = (): WindowState => {
  const aggregate = emptyAggregate();
  const record = CanonicalRecordSchema.parse({
    event_id: 'a'.repeat(32),
    device_id: 'dev-0001',
    site: null,
    firmware: null,
    latitude: null,
    longitude: null,
    event_time: '2026-11-25T07:59:59.250Z',
    ingest_time: '2026-11-25T08:00:01.000Z',
    source: 'kinesis',
    schema_version: 1,
    temperature: 21.5,
    humidity: null,
    pressure: null,
    battery: 80,
    kafka_topic: null,
    kafka_partition: null,
    kafka_offset: null,
  });
  addReading(aggregate, record);
  const dedup = new DedupMemory(10);
  dedup.check('dev-0001', record.event_id);
  return { segment: '4965745', devices: new Map([['dev-0001', aggregate]]), dedup };
};

describe('window state encoding', () => {
  it('round-trips, with event times as offsets from the window start', () => {
    const encoded = encodeState(state(), START);
    expect(encoded).toEqual({
      l: '1|temperature,humidity,pressure,battery|kinesis,msk',
      s: '4965745',
      d: { 'dev-0001': [1, 0, 0, -750, -750, 1, 0, [1, 21.5, 21.5, 21.5], 0, 0, [1, 80, 80, 80]] },
      f: { 'dev-0001': fingerprintOf('a'.repeat(32)) },
    });
    const decoded = decodeState(JSON.parse(JSON.stringify(encoded)), START, 10);
    expect(encodeState(decoded, START)).toEqual(encoded);
    expect(decoded.devices.get('dev-0001')!.firstEventMs).toBe(Date.parse('2026-11-25T07:59:59.250Z'));
    expect(decoded.dedup.check('dev-0001', 'a'.repeat(32))).toBe('duplicate');
  });

  it('never returns a state the next invocation could not read (JSON turns Infinity and NaN into null)', () => {
    for (const sum of [Number.POSITIVE_INFINITY, Number.NaN]) {
      const broken = state();
      broken.devices.get('dev-0001')!.metrics.temperature!.sum = sum;
      expect(() => encodeState(broken, START)).toThrow(
        new StateFormatError(
          `the aggregate of dev-0001 would not survive JSON: 1,0,0,-750,-750,1,0,1,${sum},21.5,21.5,0,0,1,80,80,80`,
        ),
      );
    }
  });

  it('reads `{}`, the state of a new window, as empty', () => {
    expect(decodeState({}, START, 10)).toMatchObject({ segment: undefined, devices: new Map() });
  });

  it('matches metrics and sources by name when a deployment changed them mid-window', () => {
    const encoded = {
      l: '1|battery,temperature,radiation|msk,kinesis',
      s: '1',
      d: { 'dev-0001': [2, 0, 0, 0, 100, 1, 1, [2, 150, 70, 80], 0, [2, 6, 3, 3]] },
      f: {},
    };
    const aggregate = decodeState(encoded, START, 10).devices.get('dev-0001')!;
    expect(aggregate.sources).toEqual({ kinesis: 1, msk: 1 });
    expect(aggregate.metrics).toEqual({
      temperature: null,
      humidity: null,
      pressure: null,
      battery: { n: 2, sum: 150, min: 70, max: 80 },
    });
  });

  it.each([
    ['another format', { l: '2|temperature|kinesis', d: {}, f: {} }],
    [
      'a malformed aggregate',
      { l: '1|temperature,humidity,pressure,battery|kinesis,msk', s: '1', d: { x: [1, 2] }, f: {} },
    ],
    ['unknown fields', { l: '1|temperature,humidity,pressure,battery|kinesis,msk', d: {}, f: {}, extra: 1 }],
    [
      'broken fingerprints',
      { l: '1|temperature,humidity,pressure,battery|kinesis,msk', d: {}, f: { x: 'abc' } },
    ],
  ])('refuses %s loudly', (_name, raw) => {
    expect(() => decodeState(raw, START, 10)).toThrow(StateFormatError);
  });

  const LAYOUT = '1|temperature,humidity,pressure,battery|kinesis,msk';
  const tuple = (...overrides: [number, unknown][]) => {
    const fields: unknown[] = [1, 0, 0, -750, null, 1, 0, [1, 21.5, 21.5, 21.5], 0, 0, 0];
    for (const [index, value] of overrides) fields[index] = value;
    return fields;
  };

  // The decoder checks states by hand before falling back to the schema (it runs on every
  // invocation): whatever it refuses, the schema must refuse with its own message.
  it.each([
    ['a fractional count', tuple([0, 1.5])],
    ['a negative count', tuple([1, -1])],
    ['an unsafe integer', tuple([2, 2 ** 53])],
    ['a string offset', tuple([3, '0'])],
    ['an infinite sum', tuple([7, [1, Number.POSITIVE_INFINITY, 1, 1]])],
    ['a metric of three numbers', tuple([8, [1, 2, 3]])],
    ['a metric that is 1, not 0', tuple([9, 1])],
    ['a field too many', [...tuple(), 0]],
    ['a field too few', tuple().slice(0, 10)],
  ])('refuses an aggregate with %s', (_name, fields) => {
    expect(() => decodeState({ l: LAYOUT, s: '1', d: { 'dev-0001': fields }, f: {} }, START, 10)).toThrow(
      'unreadable aggregate for dev-0001',
    );
  });

  // Fingerprints are checked by hand too: the verdict must stay the schema's pattern, 8 base64
  // characters at a time, and a refused one names the pattern's rule.
  it.each([
    ['a character outside the alphabet', 'AAAAAAA-'],
    ['a padding character', 'AAAAAA=='],
    ['a partial fingerprint', 'AAAAAAAAAAAA'],
    ['a non-ASCII character', 'AAAAAAAé'],
  ])('refuses fingerprints with %s', (_name, packed) => {
    expect(() => decodeState({ l: LAYOUT, d: {}, f: { 'dev-0001': packed } }, START, 10)).toThrow(
      'Invalid string: must match pattern',
    );
  });

  it('reads every fingerprint of the base64 alphabet', () => {
    const packed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const { dedup } = decodeState({ l: LAYOUT, d: {}, f: { 'dev-0001': packed } }, START, 10);
    expect(dedup.encode()).toEqual({ 'dev-0001': packed });
    expect(dedup.size).toBe(8);
  });

  it.each([
    ['an empty segment', { l: LAYOUT, s: '', d: {}, f: {} }, 'Too small'],
    ['aggregates that are not a record', { l: LAYOUT, d: [], f: {} }, 'expected record'],
    ['a null segment', { l: LAYOUT, s: null, d: {}, f: {} }, 'expected string'],
  ])('refuses a state with %s, naming the schema rule', (_name, raw, message) => {
    expect(() => decodeState(raw as Record<string, unknown>, START, 10)).toThrow(message);
  });
});

describe('DedupMemory', () => {
  const id = (n: number) => String(n).repeat(32);

  it('remembers ids per device up to its capacity, then checks without remembering', () => {
    const memory = new DedupMemory(2);
    expect([memory.check('a', id(1)), memory.check('a', id(1)), memory.check('b', id(1))]).toEqual([
      'new',
      'duplicate',
      'new',
    ]);
    expect([memory.check('a', id(2)), memory.check('a', id(2))]).toEqual(['unverified', 'unverified']);
    expect(memory.check('b', id(1))).toBe('duplicate');
    expect(memory.size).toBe(2);
  });

  it('survives encoding, eight base64 characters per id', () => {
    const memory = new DedupMemory(5);
    memory.check('a', id(1));
    memory.check('a', id(2));
    const encoded = memory.encode();
    expect(encoded.a).toHaveLength(16);
    const decoded = DedupMemory.decode(encoded, 5);
    expect([decoded.size, decoded.check('a', id(2)), decoded.check('a', id(3))]).toEqual([
      2,
      'duplicate',
      'new',
    ]);
  });
});

// Fingerprints are in every state carried between invocations, so their bytes are a contract with
// the states already in flight: the first 48 bits of the id's hex, as standard base64.
describe('fingerprintOf', () => {
  const asBuffer = (eventId: string): string => Buffer.from(eventId.slice(0, 12), 'hex').toString('base64');

  it.each([
    ['every hex digit', '0123456789abcdef0123456789abcdef', 'ASNFZ4mr'],
    ['the highest bits', 'ffffffffffff' + '0'.repeat(20), '////////'],
    ['the lowest bits', '000000000000' + 'f'.repeat(20), 'AAAAAAAA'],
    ['upper-case hex', 'ABCDEF012345' + '0'.repeat(20), 'q83vASNF'],
  ])('reads %s as the first six bytes in base64', (_name, eventId, fingerprint) => {
    expect(fingerprintOf(eventId)).toBe(fingerprint);
    expect(fingerprintOf(eventId)).toBe(asBuffer(eventId));
  });

  it.each([
    ['a non-hex character', 'abcdefg12345' + '0'.repeat(20)],
    ['a short id', 'abc'],
    ['an empty id', ''],
    ['a trailing space', 'abcde ' + '0'.repeat(26)],
    ['a non-ASCII character', 'abcdé1234567' + '0'.repeat(20)],
  ])('reads an id with %s as Buffer reads its hex (up to the first non-hex pair)', (_name, eventId) => {
    expect(fingerprintOf(eventId)).toBe(asBuffer(eventId));
  });
});
