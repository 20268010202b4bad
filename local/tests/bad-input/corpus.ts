/**
 * The bad-input corpus (issue 10): inputs real producers, brokers and buckets send that the
 * pipeline must survive, each with the outcome it must get. `bad-input.test.ts` runs every entry
 * through the services' real handler factories. An outcome is either where the input ends up
 * (`Ok`, `Dropped`, `forwarded`, `run`, `ignored`, `counted`) or the closed reason it is counted
 * under (the services' `RecordsFailed` / `RecordsQuarantined` / `MessagesRejected` /
 * `RecordsRejected` metric dimensions).
 */

/** The arrival time every transform and msk-consumer entry is judged against. */
export const ARRIVAL = '2026-11-25T08:00:05.000Z';
const ARRIVAL_MS = Date.parse(ARRIVAL);

const b64 = (text: string | Buffer): string =>
  (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');
const json = (value: unknown): string => b64(JSON.stringify(value));

const METRICS = { temperature: 21.5, humidity: 40, pressure: 1012, battery: 80 };
/** A valid raw reading; entries spread their breakage over it. */
export const goodReading = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  deviceId: 'dev-0001',
  timestamp: '2026-11-25T08:00:00.000Z',
  site: 'plant-berlin',
  metrics: METRICS,
  ...overrides,
});

/**
 * A canonical record as msk-consumer forwards it to the hub; anyone allowed to write to the hub can
 * send this shape too, so entries spread the same breakage over it as over raw readings.
 */
const goodCanonical = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: '0'.repeat(32),
  device_id: 'dev-0001',
  site: 'plant-berlin',
  firmware: null,
  latitude: null,
  longitude: null,
  event_time: '2026-11-25T08:00:00.000Z',
  ingest_time: '2026-11-25T08:00:01.000Z',
  source: 'msk',
  schema_version: 1,
  ...METRICS,
  kafka_topic: 'telemetry',
  kafka_partition: 0,
  kafka_offset: 42,
  ...overrides,
});

export interface CorpusEntry<Input, Outcome extends string> {
  /** Unique across the corpus. */
  name: string;
  input: Input;
  expected: Outcome;
  /** Why this outcome is the right one, where it is not obvious. */
  why?: string;
}

// ------------------------------------------------------------------------------------------------
// ingest-transform: base64 `data` of a Firehose record
// ------------------------------------------------------------------------------------------------

export type TransformOutcome =
  | 'Ok'
  | 'Dropped'
  | 'invalid_base64'
  | 'empty_record'
  | 'oversized_record'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'invalid_device_id'
  | 'invalid_event_time'
  | 'invalid_metrics'
  | 'schema_violation'
  | 'event_time_in_future'
  | 'event_time_too_old';

const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

export const TRANSFORM_CORPUS: CorpusEntry<string, TransformOutcome>[] = [
  { name: 'transform: data is not base64', input: 'not base64!', expected: 'invalid_base64' },
  { name: 'transform: base64 with a stray character', input: 'eyJ*fQ==', expected: 'invalid_base64' },
  { name: 'transform: empty data', input: '', expected: 'empty_record' },
  { name: 'transform: whitespace only', input: b64('  \n\t '), expected: 'empty_record' },
  {
    name: 'transform: invalid UTF-8 byte sequence',
    input: b64(Buffer.from([0xc3, 0x28, 0x7b, 0x7d])),
    expected: 'invalid_utf8',
  },
  {
    name: 'transform: overlong UTF-8 encoding',
    input: b64(Buffer.from([0x7b, 0xc0, 0xaf, 0x7d])),
    expected: 'invalid_utf8',
  },
  {
    name: 'transform: UTF-8-encoded lone surrogate (CESU bytes)',
    input: b64(
      Buffer.concat([Buffer.from('{"deviceId":"dev-'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ),
    expected: 'invalid_utf8',
  },
  {
    name: 'transform: truncated JSON',
    input: b64('{"deviceId":"dev-0001","metrics":{'),
    expected: 'invalid_json',
  },
  {
    name: 'transform: NaN literal',
    input: b64('{"deviceId":"dev-0001","timestamp":"2026-11-25T08:00:00Z","metrics":{"temperature":NaN}}'),
    expected: 'invalid_json',
  },
  {
    name: 'transform: Infinity literal',
    input: b64(
      '{"deviceId":"dev-0001","timestamp":"2026-11-25T08:00:00Z","metrics":{"temperature":Infinity}}',
    ),
    expected: 'invalid_json',
  },
  { name: 'transform: JSON number', input: b64('42'), expected: 'not_an_object' },
  { name: 'transform: JSON string', input: b64('"dev-0001"'), expected: 'not_an_object' },
  { name: 'transform: JSON null', input: b64('null'), expected: 'not_an_object' },
  { name: 'transform: JSON array of readings', input: json([goodReading()]), expected: 'not_an_object' },
  {
    name: 'transform: deeply nested JSON (5,000 levels)',
    input: b64(nested(5000)),
    expected: 'invalid_device_id',
    why: 'parsed without a stack overflow; the object has no device id',
  },
  {
    name: 'transform: __proto__ carrying the device id',
    input: b64(
      `{"__proto__":{"deviceId":"dev-0001"},"timestamp":"2026-11-25T08:00:00Z","metrics":{"temperature":20}}`,
    ),
    expected: 'invalid_device_id',
    why: 'an own __proto__ key is data, never a prototype: the device id is still missing',
  },
  {
    name: 'transform: __proto__ as a metric name',
    input: b64(
      `{"deviceId":"dev-0001","timestamp":"2026-11-25T08:00:00Z","metrics":{"__proto__":{"temperature":20}}}`,
    ),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: constructor as a metric name',
    input: json(goodReading({ metrics: { constructor: 1 } })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: constructor.prototype at top level (ignored gateway field)',
    input: json(goodReading({ constructor: { prototype: { polluted: true } } })),
    expected: 'Ok',
    why: 'unknown top-level fields are ignored; the test checks Object.prototype stays clean',
  },
  {
    name: 'transform: huge number (1e400 parses to Infinity)',
    input: b64('{"deviceId":"dev-0001","timestamp":"2026-11-25T08:00:00Z","metrics":{"temperature":1e400}}'),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: numeric string metric',
    input: json(goodReading({ metrics: { temperature: '21.5' } })),
    expected: 'Ok',
    why: 'documented: metrics may be numeric strings',
  },
  {
    name: 'transform: "NaN" as a metric string',
    input: json(goodReading({ metrics: { temperature: 'NaN' } })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: "Infinity" as a metric string',
    input: json(goodReading({ metrics: { humidity: 'Infinity' } })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: empty string as a metric',
    input: json(goodReading({ metrics: { temperature: '' } })),
    expected: 'invalid_metrics',
    why: 'Number("") is 0: must not become a reading of 0 °C',
  },
  {
    name: 'transform: hexadecimal metric string',
    input: json(goodReading({ metrics: { battery: '0x50' } })),
    expected: 'invalid_metrics',
    why: 'Number("0x50") is 80: not a decimal reading',
  },
  {
    name: 'transform: temperature in kelvin',
    input: json(goodReading({ metrics: { temperature: 294.65 } })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: pressure in pascal',
    input: json(goodReading({ metrics: { pressure: 101_325 } })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: battery in per mille',
    input: json(goodReading({ metrics: { battery: 870 } })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: metrics as an array',
    input: json(goodReading({ metrics: [21.5, 40] })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: missing device id',
    input: json(goodReading({ deviceId: undefined })),
    expected: 'invalid_device_id',
  },
  {
    name: 'transform: numeric device id',
    input: json(goodReading({ deviceId: 1234 })),
    expected: 'invalid_device_id',
  },
  {
    name: 'transform: device id with a quote (SQL)',
    input: json(goodReading({ deviceId: "dev-0001' OR '1'='1" })),
    expected: 'invalid_device_id',
  },
  {
    name: 'transform: device id with markup (HTML)',
    input: json(goodReading({ deviceId: '<script>alert(1)</script>' })),
    expected: 'invalid_device_id',
  },
  {
    name: 'transform: device id with a path (S3 key)',
    input: json(goodReading({ deviceId: '../dev-0001' })),
    expected: 'invalid_device_id',
  },
  {
    name: 'transform: escaped lone surrogate in the device id',
    input: b64('{"deviceId":"dev-\\ud800","timestamp":"2026-11-25T08:00:00Z","metrics":{"temperature":20}}'),
    expected: 'invalid_device_id',
  },
  {
    name: 'transform: escaped lone surrogate in the site',
    input: b64(
      '{"deviceId":"dev-0001","site":"plant-\\udc00","timestamp":"2026-11-25T08:00:00Z","metrics":{"temperature":20}}',
    ),
    expected: 'schema_violation',
  },
  {
    name: 'transform: timestamp in year 9999',
    input: json(goodReading({ timestamp: '9999-12-31T23:59:59Z' })),
    expected: 'event_time_in_future',
  },
  {
    name: 'transform: timestamp ten minutes ahead',
    input: json(goodReading({ timestamp: ARRIVAL_MS + 600_000 })),
    expected: 'event_time_in_future',
  },
  {
    name: 'transform: epoch zero',
    input: json(goodReading({ timestamp: 0 })),
    expected: 'invalid_event_time',
    why: 'outside the plausible event-time range of the schema, before any window policy applies',
  },
  {
    name: 'transform: timestamp of 1970 as ISO',
    input: json(goodReading({ timestamp: '1970-01-01T00:00:00Z' })),
    expected: 'invalid_event_time',
  },
  {
    name: 'transform: timestamp eight days old',
    input: json(goodReading({ timestamp: ARRIVAL_MS - 8 * 24 * 3600 * 1000 })),
    expected: 'event_time_too_old',
  },
  {
    name: 'transform: timestamp as words',
    input: json(goodReading({ timestamp: 'yesterday' })),
    expected: 'invalid_event_time',
  },
  {
    name: 'transform: ISO timestamp without zone',
    input: json(goodReading({ timestamp: '2026-11-25T08:00:00' })),
    expected: 'invalid_event_time',
  },
  {
    name: 'transform: negative epoch',
    input: json(goodReading({ timestamp: -1 })),
    expected: 'invalid_event_time',
  },
  {
    name: 'transform: 1 MiB + 1 byte record',
    input: b64(Buffer.alloc(1024 * 1024 + 1, 0x20)),
    expected: 'oversized_record',
  },
  {
    name: 'transform: heartbeat',
    input: json({ type: 'heartbeat', deviceId: 'dev-0001' }),
    expected: 'Dropped',
  },
  { name: 'transform: canonical record', input: json(goodCanonical()), expected: 'Ok' },
  {
    name: 'transform: canonical record with a temperature of 1e308',
    input: json(goodCanonical({ temperature: 1e308 })),
    expected: 'invalid_metrics',
    why: 'a canonical record gets the physical ranges a raw reading gets',
  },
  {
    name: 'transform: canonical record with a negative battery',
    input: json(goodCanonical({ battery: -1 })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: canonical record without any metric',
    input: json(goodCanonical({ temperature: null, humidity: null, pressure: null, battery: null })),
    expected: 'invalid_metrics',
  },
  {
    name: 'transform: canonical record in the year 0000',
    input: json(
      goodCanonical({ event_time: '0000-01-01T00:00:00.000Z', ingest_time: '0000-01-01T00:00:00.000Z' }),
    ),
    expected: 'invalid_event_time',
    why: 'it would open a dt=0000-01-01 partition; the time is judged from the hub arrival, not the claimed ingest time',
  },
  {
    name: 'transform: canonical record in the year 9999',
    input: json(goodCanonical({ event_time: '9999-12-31T23:59:59.999Z' })),
    expected: 'event_time_in_future',
  },
  {
    name: 'transform: canonical record eight days old',
    input: json(goodCanonical({ event_time: new Date(ARRIVAL_MS - 8 * 24 * 3600 * 1000).toISOString() })),
    expected: 'event_time_too_old',
  },
];

// ------------------------------------------------------------------------------------------------
// msk-consumer: one Kafka record of an MSK event
// ------------------------------------------------------------------------------------------------

export type MskOutcome =
  | 'forwarded'
  | 'tombstone'
  | 'no_value'
  | 'invalid_base64'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'invalid_device_id'
  | 'invalid_metrics'
  | 'oversized_record'
  | 'event_time_in_future'
  | 'invalid_header';

export interface KafkaInput {
  key?: string | null;
  value?: string | null;
  headers?: unknown;
  timestamp?: number;
}

export const MSK_CORPUS: CorpusEntry<KafkaInput, MskOutcome>[] = [
  { name: 'msk: explicit null value (tombstone)', input: { value: null }, expected: 'tombstone' },
  { name: 'msk: no value field', input: {}, expected: 'no_value' },
  {
    name: 'msk: empty value',
    input: { value: '' },
    expected: 'no_value',
    why: 'zero bytes carry nothing to store or repair: counted and skipped like an absent value',
  },
  {
    name: 'msk: binary value',
    input: { value: b64(Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x81])) },
    expected: 'invalid_utf8',
  },
  { name: 'msk: value not base64', input: { value: '%%%' }, expected: 'invalid_base64' },
  {
    name: 'msk: Avro-like bytes with a JSON-looking prefix',
    input: { value: b64(Buffer.concat([Buffer.from('{"'), Buffer.from([0xc3, 0x28])])) },
    expected: 'invalid_utf8',
  },
  { name: 'msk: JSON array value', input: { value: json([goodReading()]) }, expected: 'not_an_object' },
  {
    name: 'msk: truncated JSON value',
    input: { value: b64('{"deviceId":"dev-0001"') },
    expected: 'invalid_json',
  },
  {
    name: 'msk: missing device id',
    input: { value: json(goodReading({ deviceId: undefined })) },
    expected: 'invalid_device_id',
  },
  {
    name: 'msk: wrong units',
    input: { value: json(goodReading({ metrics: { temperature: 294.65 } })) },
    expected: 'invalid_metrics',
  },
  {
    name: 'msk: future event time',
    input: { value: json(goodReading({ timestamp: '2030-01-01T00:00:00Z' })) },
    expected: 'event_time_in_future',
  },
  {
    name: 'msk: non-UTF-8 header bytes and key (opaque, kept)',
    input: {
      value: json(goodReading()),
      key: b64(Buffer.from([0xff, 0xfe])),
      headers: [{ trace: [0xff, 0xfe, 0x00] }],
    },
    expected: 'forwarded',
    why: 'keys and headers are opaque bytes; the value is what the pipeline reads',
  },
  {
    name: 'msk: header bytes signed, as Lambda (Java) sends them',
    input: { value: json(goodReading()), headers: [{ trace: [118, -36, 0, 127, -128] }] },
    expected: 'forwarded',
  },
  {
    name: 'msk: header byte outside -128..255',
    input: { value: json(goodReading()), headers: [{ trace: [1, 300] }] },
    expected: 'invalid_header',
    why: 'no Kafka byte reads as 300: the record is quarantined alone, the batch goes on',
  },
  {
    name: 'msk: header value that is not a byte list',
    input: { value: json(goodReading()), headers: [{ trace: 'abc' }] },
    expected: 'invalid_header',
  },
  {
    name: 'msk: value over maxValueBytes (1 MiB + 1)',
    input: { value: b64(Buffer.alloc(1024 * 1024 + 1, 0x20)) },
    expected: 'oversized_record',
  },
];

// ------------------------------------------------------------------------------------------------
// report-runner: SQS message bodies
// ------------------------------------------------------------------------------------------------

export type RunnerOutcome =
  | 'run'
  | 'ignored'
  | 'invalid_json'
  | 'not_an_s3_event'
  | 'unsupported_event'
  | 'key_outside_layout'
  | 'unexpected_bucket'
  | 'invalid_partition';

export const INGEST_BUCKET = 'local-ingest';

/** An EventBridge `Object Created` event for a key (plain, as EventBridge sends it). */
export const eventBridgeBody = (key: string, detailType = 'Object Created', bucket = INGEST_BUCKET): string =>
  JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-03-01T10:16:41Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
    },
  });

/** An EventBridge body with fields of `detail` added or replaced. */
const withDetail = (body: string, detail: Record<string, string>): string => {
  const event = JSON.parse(body) as { detail: Record<string, unknown> };
  return JSON.stringify({ ...event, detail: { ...event.detail, ...detail } });
};

/** A classic S3 notification (key URL-encoded, spaces as `+`). */
export const classicBody = (encodedKey: string, eventName = 'ObjectCreated:Put'): string =>
  JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: '2026-03-01T10:16:41.000Z',
        eventName,
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '10.0.0.1' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'lake',
          bucket: {
            name: INGEST_BUCKET,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${INGEST_BUCKET}`,
          },
          object: {
            key: encodedKey,
            size: 5,
            eTag: 'b1946ac92492d2347c6235b4d2611184',
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  });

/**
 * Hostile or malformed object keys. None may reach SQL: the runner builds its queries only from the
 * SQL files and passes `dt`/`hour` as parameters.
 */
export const HOSTILE_KEYS = [
  "raw/dt=2026-03-01'; DROP TABLE report_device_hourly_stats; --/hour=10/x.parquet",
  "raw/dt=2026-03-01/hour=10' OR '1'='1/x.parquet",
  "raw/dt=2026-03-01/hour=10/x.parquet'); DELETE FROM realtime_alert; --",
  'raw/dt=2026-03-01/hour=10/"quoted" name.parquet',
  'raw/dt=2026-03-01/hour=10/../../../reports/x.parquet',
  'raw/dt=2026-03-01/hour=10/$$; SELECT pg_sleep(10); $$.parquet',
];

export const RUNNER_CORPUS: CorpusEntry<string, RunnerOutcome>[] = [
  { name: 'runner: body is not JSON', input: '{"Records":[', expected: 'invalid_json' },
  { name: 'runner: JSON that is no S3 event', input: '{"hello":"world"}', expected: 'not_an_s3_event' },
  { name: 'runner: JSON array body', input: '[]', expected: 'not_an_s3_event' },
  {
    name: 'runner: SNS envelope around an S3 event',
    input: JSON.stringify({
      Type: 'Notification',
      Message: classicBody('raw/dt=2026-03-01/hour=10/a.parquet'),
    }),
    expected: 'not_an_s3_event',
  },
  {
    name: 'runner: EventBridge Object Deleted',
    input: eventBridgeBody('raw/dt=2026-03-01/hour=10/a.parquet', 'Object Deleted'),
    expected: 'unsupported_event',
  },
  {
    name: 'runner: classic ObjectRemoved:Delete',
    input: classicBody('raw/dt%3D2026-03-01/hour%3D10/a.parquet', 'ObjectRemoved:Delete'),
    expected: 'unsupported_event',
  },
  {
    name: 'runner: S3 test event',
    input: JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-03-01T10:00:00.000Z',
      Bucket: INGEST_BUCKET,
    }),
    expected: 'ignored',
  },
  {
    name: 'runner: key in the error prefix',
    input: eventBridgeBody('errors/processing-failed/dt=2026-03-01/hour=10/a'),
    expected: 'key_outside_layout',
  },
  {
    name: 'runner: key without partitions',
    input: eventBridgeBody('raw/2026/03/01/10/a.parquet'),
    expected: 'key_outside_layout',
  },
  {
    name: 'runner: impossible date in the key',
    input: eventBridgeBody('raw/dt=2026-02-30/hour=10/a.parquet'),
    expected: 'key_outside_layout',
  },
  {
    name: 'runner: hour 24 in the key',
    input: eventBridgeBody('raw/dt=2026-03-01/hour=24/a.parquet'),
    expected: 'key_outside_layout',
  },
  {
    name: 'runner: quote and SQL in the dt of the key',
    input: eventBridgeBody(HOSTILE_KEYS[0]!),
    expected: 'key_outside_layout',
  },
  {
    name: 'runner: quote and SQL in the hour of the key',
    input: eventBridgeBody(HOSTILE_KEYS[1]!),
    expected: 'key_outside_layout',
  },
  {
    name: 'runner: quote and SQL in the file name',
    input: eventBridgeBody(HOSTILE_KEYS[2]!),
    expected: 'run',
    why: 'the partition is valid; the file name is only recorded in the manifest, never in SQL',
  },
  {
    name: 'runner: object of another bucket',
    input: eventBridgeBody('raw/dt=2026-03-01/hour=10/a.parquet', 'Object Created', 'someone-elses-bucket'),
    expected: 'unexpected_bucket',
  },
  {
    name: 'runner: URL-encoded key of a classic notification',
    input: classicBody('raw/dt%3D2026-03-01/hour%3D11/part+one%27s.parquet'),
    expected: 'run',
    why: "decoded to raw/dt=2026-03-01/hour=11/part one's.parquet",
  },
  {
    name: 'runner: broken URL encoding',
    input: classicBody('raw/dt%3D2026-03-01/hour%3D10/%E0%A4%A.parquet'),
    expected: 'not_an_s3_event',
  },
  {
    name: 'runner: object deleted before the run',
    input: eventBridgeBody('raw/dt=2026-03-01/hour=12/deleted-meanwhile.parquet'),
    expected: 'run',
    why: 'the hour is re-queried as it is now; a vanished object just contributes nothing',
  },
  {
    name: 'runner: object written over IPv6',
    input: withDetail(eventBridgeBody('raw/dt=2026-03-01/hour=12/over-ipv6.parquet'), {
      'source-ip-address': '2001:db8:4006:812::200e',
    }),
    expected: 'run',
    why: 'the runner reads bucket and key only; Powertools S3 schemas wanted an IPv4 address here',
  },
  {
    name: 'runner: object written by an AWS service',
    input: withDetail(eventBridgeBody('raw/dt=2026-03-01/hour=12/by-firehose.parquet'), {
      requester: 'firehose.amazonaws.com',
      'source-ip-address': 'firehose.amazonaws.com',
    }),
    expected: 'run',
    why: 'a service principal in place of an address is not a reason to dead-letter a lake object',
  },
  {
    name: 'runner: re-run of an impossible hour',
    input: JSON.stringify({ type: 'rerun-partition', dt: '2026-03-01', hour: '99', reason: 'x' }),
    expected: 'invalid_partition',
  },
  {
    name: 'runner: re-run with an SQL payload as dt',
    input: JSON.stringify({ type: 'rerun-partition', dt: "2026-03-01' OR 1=1 --", hour: '10', reason: 'x' }),
    expected: 'invalid_partition',
  },
];

// ------------------------------------------------------------------------------------------------
// analytics-sink: tumbling-window invocations
// ------------------------------------------------------------------------------------------------

export type SinkScenario =
  | 'malformed records'
  | 'final invocation without state'
  | 'null state in the middle of a window'
  | 'out-of-order windows'
  | 'redelivered batch';

export const SINK_CORPUS: CorpusEntry<SinkScenario, 'counted'>[] = [
  { name: 'sink: 12 malformed records among valid ones', input: 'malformed records', expected: 'counted' },
  {
    name: 'sink: final invocation of a window without state',
    input: 'final invocation without state',
    expected: 'counted',
  },
  {
    name: 'sink: null state in the middle of a window',
    input: 'null state in the middle of a window',
    expected: 'counted',
  },
  {
    name: 'sink: an earlier window closes after a later one',
    input: 'out-of-order windows',
    expected: 'counted',
  },
  {
    name: 'sink: the same batch delivered twice in one window',
    input: 'redelivered batch',
    expected: 'counted',
  },
];
