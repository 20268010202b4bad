import {
  CanonicalRecordSchema,
  DEFAULT_EVENT_TIME_POLICY,
  eventIdFor,
  normaliseHubMessage,
} from '@pipeline/shared';
import {
  decodeBytes,
  ingestTimeOf,
  planBatch,
  quarantineObjects,
  readHeaders,
  type BatchSummary,
  type ConsumeSettings,
  type KafkaRecord,
} from '../src/domain/plan-batch';
import { b64, kafkaRecord, mskEvent, NOW, reading, type RawKafkaRecord } from './support/events';

const settings: ConsumeSettings = {
  maxValueBytes: 1024 * 1024,
  maxHubRecordBytes: 1024 * 1024,
  eventTime: DEFAULT_EVENT_TIME_POLICY,
};

const recordsOf = (name: 'msk-telemetry' | 'msk-poison' | 'msk-signed-headers'): KafkaRecord[] =>
  Object.values(mskEvent(name).records).flat();

const decodeHubRecord = (data: Uint8Array): Record<string, unknown> =>
  JSON.parse(Buffer.from(data).toString('utf8'));

const accounted = ({ forwarded, quarantined, skipped, dropped }: BatchSummary): number =>
  [quarantined, skipped, dropped]
    .flatMap((counts) => Object.values(counts))
    .reduce((sum, count) => sum + count, forwarded);

describe('planBatch', () => {
  it('forwards valid readings as canonical records keyed by device id, with source msk and Kafka coordinates', () => {
    const plan = planBatch(recordsOf('msk-telemetry'), settings, NOW);

    expect(
      plan.forward.map(({ partitionKey, source }) => [
        partitionKey,
        source.topic,
        source.partition,
        source.offset,
      ]),
    ).toEqual([
      ['dev-0001', 'telemetry', 0, 1042],
      ['dev-0001', 'telemetry', 0, 1043],
      ['dev-0002', 'telemetry', 1, 877],
      ['dev-0003', 'telemetry', 2, 5310],
    ]);
    const first = decodeHubRecord(plan.forward[0]!.data);
    expect(CanonicalRecordSchema.parse(first)).toEqual(first);
    expect(first).toEqual({
      event_id: eventIdFor('dev-0001', Date.parse('2026-11-25T07:59:58.250Z'), {
        temperature: 21.7,
        humidity: 43.2,
        pressure: 1012.8,
        battery: 87,
      }),
      device_id: 'dev-0001',
      site: 'plant-berlin',
      firmware: '2.4.1',
      latitude: null,
      longitude: null,
      event_time: '2026-11-25T07:59:58.250Z',
      ingest_time: '2026-11-25T08:00:05.120Z',
      source: 'msk',
      schema_version: 1,
      temperature: 21.7,
      humidity: 43.2,
      pressure: 1012.8,
      battery: 87,
      kafka_topic: 'telemetry',
      kafka_partition: 0,
      kafka_offset: 1042,
      // The Firehose transform enriches it from the device registry; msk-consumer does not.
      registered: false,
      model: null,
      owner: null,
      location_label: null,
      install_date: null,
    });
  });

  it('forwards records the Firehose transform accepts unchanged when it reads them from the hub', () => {
    for (const { data } of planBatch(recordsOf('msk-telemetry'), settings, NOW).forward) {
      const message = decodeHubRecord(data);
      const read = normaliseHubMessage(message, NOW + 1000);
      expect(read).toEqual(expect.objectContaining({ outcome: 'ok', record: message }));
    }
  });

  it('reads epoch-second, epoch-millisecond and offset ISO timestamps and numeric strings', () => {
    const [, second, third, fourth] = planBatch(recordsOf('msk-telemetry'), settings, NOW).forward.map(
      ({ data }) => decodeHubRecord(data),
    );

    expect(second).toMatchObject({ event_time: '2026-11-25T08:01:00.000Z', temperature: 21.9 });
    expect(third).toMatchObject({
      event_time: '2026-11-25T07:59:59.000Z',
      latitude: 45.764,
      longitude: 4.8357,
    });
    expect(fourth).toMatchObject({
      event_time: '2026-11-25T08:00:01.500Z',
      temperature: 18.25,
      pressure: 1009.4,
    });
  });

  it('drops heartbeats like every other entry path', () => {
    expect(planBatch(recordsOf('msk-telemetry'), settings, NOW).summary).toEqual({
      received: 5,
      forwarded: 4,
      quarantined: {},
      skipped: {},
      dropped: { heartbeat: 1 },
    });
  });

  it('quarantines each poison record with its reason, coordinates and original value, and forwards the rest', () => {
    const records = recordsOf('msk-poison');
    const plan = planBatch(records, settings, NOW);

    expect(plan.quarantine.map(({ partition, offset, reason }) => [partition, offset, reason])).toEqual([
      [0, 2002, 'invalid_json'],
      [1, 901, 'invalid_metrics'],
      [1, 902, 'invalid_device_id'],
      [1, 903, 'not_an_object'],
      [2, 6002, 'event_time_too_old'],
    ]);
    for (const entry of plan.quarantine) {
      const original = records.find(
        ({ partition, offset }) => partition === entry.partition && offset === entry.offset,
      );
      expect(entry).toMatchObject({
        topic: 'telemetry',
        value: original?.value,
        timestamp: original?.timestamp,
      });
      expect(entry.detail).not.toBe('');
    }
    // The record after the poison one in partition 0 still goes through: nothing blocks the partition.
    expect(plan.forward.map(({ source }) => source.offset)).toEqual([2003]);
  });

  it('counts and skips tombstones and records without a value instead of failing them', () => {
    const plan = planBatch(
      [
        kafkaRecord(null, { value: null }),
        kafkaRecord(null, { value: undefined }),
        kafkaRecord(null, { value: '' }),
      ],
      settings,
      NOW,
    );

    expect(plan.summary).toEqual({
      received: 3,
      forwarded: 0,
      quarantined: {},
      skipped: { tombstone: 1, no_value: 2 },
      dropped: {},
    });
    expect(plan.quarantine).toEqual([]);
  });

  it('accounts for every record: forwarded, quarantined, skipped or dropped', () => {
    for (const name of ['msk-telemetry', 'msk-poison'] as const) {
      const { summary, forward, quarantine } = planBatch(recordsOf(name), settings, NOW);
      expect(accounted(summary)).toBe(summary.received);
      expect(summary.received).toBe(recordsOf(name).length);
      expect(forward).toHaveLength(summary.forwarded);
      expect(quarantine).toHaveLength(
        Object.values(summary.quarantined).reduce((sum, count) => sum + count, 0),
      );
    }
  });

  it('keeps binary keys and headers lossless as base64 and text ones as UTF-8', () => {
    const plan = planBatch(recordsOf('msk-poison'), settings, NOW);
    const tooOld = plan.quarantine.find(({ offset }) => offset === 6002);
    const invalidJson = plan.quarantine.find(({ offset }) => offset === 2002);

    expect(tooOld?.key).toEqual({
      value: b64(Uint8Array.from([0xc3, 0x28, 0x01, 0xff])),
      encoding: 'base64',
    });
    expect(tooOld?.headers).toEqual([{ name: 'trace-id', value: { value: 'AJ+Slg==', encoding: 'base64' } }]);
    expect(invalidJson?.key).toEqual({ value: 'dev-0001', encoding: 'utf8' });
    expect(invalidJson?.headers).toEqual([
      { name: 'content-type', value: { value: 'application/json', encoding: 'utf8' } },
    ]);
    expect(plan.quarantine.find(({ offset }) => offset === 902)?.key).toBeNull();
  });

  it('quarantines a value larger than a Kinesis record without decoding it', () => {
    const huge = b64(JSON.stringify(reading({ padding: 'x'.repeat(1024 * 1024) })));
    const plan = planBatch([kafkaRecord(null, { value: huge })], settings, NOW);

    expect(plan.quarantine).toEqual([
      expect.objectContaining({
        reason: 'oversized_record',
        value: huge,
        detail: expect.stringContaining('limit 1048576'),
      }),
    ]);
    expect(plan.forward).toEqual([]);
  });

  it('quarantines a record whose canonical form would not fit in a hub record', () => {
    const plan = planBatch([kafkaRecord(reading())], { ...settings, maxHubRecordBytes: 200 }, NOW);

    expect(plan.quarantine).toEqual([
      expect.objectContaining({ reason: 'oversized_record', detail: expect.stringContaining('limit 200') }),
    ]);
  });

  it('takes the ingest time from the Kafka timestamp, so a retried batch plans byte for byte the same', () => {
    const records = recordsOf('msk-telemetry');
    const first = planBatch(records, settings, NOW);
    const retried = planBatch(records, settings, NOW + 60 * 60 * 1000);

    expect(retried.forward).toEqual(first.forward);
    expect(ingestTimeOf({ timestamp: NOW + 5000 }, NOW)).toBe(NOW);
    expect(ingestTimeOf({ timestamp: -1 }, NOW)).toBe(NOW);
  });

  it('rejects readings from too far in the future of their Kafka timestamp', () => {
    const plan = planBatch([kafkaRecord(reading({ timestamp: '2026-11-25T09:00:00Z' }))], settings, NOW);

    expect(plan.quarantine[0]?.reason).toBe('event_time_in_future');
  });
});

// AWS serialises each header value as a Java byte[]: signed bytes -128..127, so a byte >= 0x80
// arrives negative (aws/aws-lambda-go#506, aws/aws-lambda-dotnet#1476, powertools-lambda-python#6862).
describe('Kafka headers', () => {
  const poisonWithHeaders = (headers: unknown, offset = 1): KafkaRecord =>
    kafkaRecord(null, { offset, value: b64('{"deviceId":'), headers: headers as RawKafkaRecord['headers'] });

  it('decodes signed Java bytes and their unsigned form to the same bytes', () => {
    const plan = planBatch(
      [
        poisonWithHeaders([{ trace: [118, -36, 0, 127, -128] }], 1),
        poisonWithHeaders([{ trace: [118, 220, 0, 127, 128] }], 2),
        poisonWithHeaders(
          [{ label: [104, 101, 108, 108, 111, 45, 119, 111, 114, 108, 100, 45, -61, -85] }],
          3,
        ),
      ],
      settings,
      NOW,
    );

    const trace = {
      name: 'trace',
      value: { value: b64(Uint8Array.from([0x76, 0xdc, 0x00, 0x7f, 0x80])), encoding: 'base64' },
    };
    expect(plan.quarantine.map(({ reason, headers }) => [reason, headers])).toEqual([
      ['invalid_json', [trace]],
      ['invalid_json', [trace]],
      ['invalid_json', [{ name: 'label', value: { value: 'hello-world-ë', encoding: 'utf8' } }]],
    ]);
  });

  it.each([
    ['a byte above 255', [{ trace: [1, 300] }], 'headers.0.trace.1'],
    ['a byte below -128', [{ trace: [-129] }], 'headers.0.trace.0'],
    ['a fractional byte', [{ trace: [1.5] }], 'headers.0.trace.0'],
    ['a string instead of bytes', [{ trace: 'abc' }], 'headers.0.trace'],
    ['a header that is not an object', [null], 'headers.0'],
    ['headers that are not a list', { trace: [1] }, 'headers'],
  ])(
    'quarantines a record with %s as invalid_header, keeping the headers as received',
    (_name, headers, path) => {
      const valid = kafkaRecord(reading(), { offset: 2 });
      const plan = planBatch(
        [kafkaRecord(reading(), { offset: 1, headers: headers as never }), valid],
        settings,
        NOW,
      );

      expect(plan.summary).toMatchObject({ received: 2, forwarded: 1, quarantined: { invalid_header: 1 } });
      expect(plan.forward.map(({ source }) => source.offset)).toEqual([2]);
      const [quarantined] = plan.quarantine;
      expect(quarantined).toMatchObject({
        offset: 1,
        reason: 'invalid_header',
        headers: [],
        rawHeaders: headers,
      });
      expect(quarantined?.detail).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')}: `));
      expect(quarantined?.detail).not.toMatch(/300|abc/);
    },
  );

  it('still skips a tombstone whatever its headers', () => {
    const plan = planBatch([kafkaRecord(null, { value: null, headers: [{ trace: [999] }] })], settings, NOW);
    expect(plan.summary).toMatchObject({ received: 1, skipped: { tombstone: 1 }, quarantined: {} });
  });
});

// Each way headers can break, with the exact detail an operator reads in the quarantine object:
// the verdicts and messages are pinned so a faster reader keeps them (readHeaders runs per record).
describe('readHeaders', () => {
  const invalid = (detail: string) => ({ ok: false, detail });
  const header = (name: string, value: string, encoding: 'utf8' | 'base64') => ({
    name,
    value: { value, encoding },
  });

  it.each<[string, unknown, unknown]>([
    [
      'NaN',
      [{ trace: [1, Number.NaN] }],
      invalid('headers.0.trace.1: Invalid input: expected number, received NaN'),
    ],
    [
      'Infinity',
      [{ trace: [Infinity] }],
      invalid('headers.0.trace.0: Invalid input: expected number, received Infinity'),
    ],
    [
      'a string byte',
      [{ trace: ['1'] }],
      invalid('headers.0.trace.0: Invalid input: expected number, received string'),
    ],
    [
      'a null byte',
      [{ trace: [null] }],
      invalid('headers.0.trace.0: Invalid input: expected number, received null'),
    ],
    [
      'a nested list',
      [{ trace: [[1]] }],
      invalid('headers.0.trace.0: Invalid input: expected number, received array'),
    ],
    [
      'a header that is a list',
      [[1, 2]],
      invalid('headers.0: Invalid input: expected record, received array'),
    ],
    ['a header that is a number', [5], invalid('headers.0: Invalid input: expected record, received number')],
    [
      'a header that is a Date',
      [new Date(0)],
      invalid('headers.0: Invalid input: expected record, received Date'),
    ],
    ['headers that are a string', 'abc', invalid('headers: Invalid input: expected array, received string')],
    ['null headers', null, invalid('headers: Invalid input: expected array, received null')],
    [
      'bytes that are an object',
      [{ trace: { 0: 1 } }],
      invalid('headers.0.trace: Invalid input: expected array, received object'),
    ],
    [
      'a bad second header',
      [{ ok: [1] }, { bad: [256] }],
      invalid('headers.1.bad.0: Too big: expected number to be <=255'),
    ],
    [
      'more than three issues',
      [{ a: [300, 301], b: 'x' }, null, { c: [1.5] }],
      invalid(
        'headers.0.a.0: Too big: expected number to be <=255; headers.0.a.1: Too big: expected number to be <=255; headers.0.b: Invalid input: expected array, received string',
      ),
    ],
    ['no headers', [], { ok: true, headers: [] }],
    ['an empty header object', [{}], { ok: true, headers: [] }],
    ['absent headers', undefined, { ok: true, headers: [] }],
    [
      'several names in one object and an empty value',
      [{ a: [104, 105], b: [-1] }, { c: [] }],
      {
        ok: true,
        headers: [header('a', 'hi', 'utf8'), header('b', '/w==', 'base64'), header('c', '', 'utf8')],
      },
    ],
    [
      'a __proto__ name, which is left out',
      JSON.parse('[{"__proto__":[1],"a":[2]}]'),
      { ok: true, headers: [header('a', '\u0002', 'utf8')] },
    ],
    [
      'an object without a prototype',
      [Object.assign(Object.create(null), { a: [65] })],
      { ok: true, headers: [header('a', 'A', 'utf8')] },
    ],
  ])('reads %s', (_name, headers, expected) => {
    expect(readHeaders(headers)).toEqual(expected);
  });
});

describe('decodeBytes', () => {
  it('returns text for UTF-8 and base64 for anything else', () => {
    expect(decodeBytes(Buffer.from('héllo'))).toEqual({ value: 'héllo', encoding: 'utf8' });
    expect(decodeBytes(Uint8Array.from([0xff, 0xfe]))).toEqual({ value: '//4=', encoding: 'base64' });
  });
});

describe('quarantineObjects', () => {
  it('writes one JSON-lines object per topic-partition under a deterministic errors/msk/ key', () => {
    const { quarantine } = planBatch(recordsOf('msk-poison'), settings, NOW);
    const objects = quarantineObjects(quarantine);

    expect(objects.map(({ key }) => key)).toEqual([
      'errors/msk/dt=2026-11-25/hour=08/telemetry-0-2002-2002.ndjson',
      'errors/msk/dt=2026-11-25/hour=08/telemetry-1-901-903.ndjson',
      'errors/msk/dt=2026-11-25/hour=08/telemetry-2-6002-6002.ndjson',
    ]);
    const lines = objects[1]!.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map(({ offset, reason }) => [offset, reason])).toEqual([
      [901, 'invalid_metrics'],
      [902, 'invalid_device_id'],
      [903, 'not_an_object'],
    ]);
    expect(quarantineObjects(quarantine)).toEqual(objects);
  });
});
