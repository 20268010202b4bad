import {
  CanonicalRecordSchema,
  DEFAULT_EVENT_TIME_POLICY,
  eventIdFor,
  normaliseHubMessage,
  normaliseReading,
  type Normalised,
  type Provenance,
} from '../src';

const ingestTimeMs = Date.parse('2026-11-25T08:00:05.120Z');
const kinesis: Provenance = { source: 'kinesis', ingestTimeMs };

const reading = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  deviceId: 'dev-0001',
  timestamp: '2026-11-25T07:59:58.250Z',
  site: 'plant-berlin',
  metrics: { temperature: 21.7, humidity: 43.2, pressure: 1012.8, battery: 87 },
  ...overrides,
});

const okRecord = (result: Normalised) => {
  if (result.outcome !== 'ok')
    throw new Error(`expected ok, got ${result.outcome}: ${result.reason} ${result.detail}`);
  return result;
};

describe('normaliseReading', () => {
  it('turns a complete reading into a canonical record with partition keys from the event time', () => {
    const { record, partition } = okRecord(normaliseReading(reading({ firmware: '2.4.1' }), kinesis));

    expect(record).toEqual({
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
      source: 'kinesis',
      schema_version: 1,
      temperature: 21.7,
      humidity: 43.2,
      pressure: 1012.8,
      battery: 87,
      kafka_topic: null,
      kafka_partition: null,
      kafka_offset: null,
      // Enriched later, by ingest-transform, from the device registry.
      registered: false,
      model: null,
      owner: null,
      location_label: null,
      install_date: null,
    });
    expect(partition).toEqual({ dt: '2026-11-25', hour: '07' });
    expect(CanonicalRecordSchema.parse(record)).toEqual(record);
  });

  it.each([
    ['ISO-8601 with Z', '2026-11-25T07:59:58.000Z'],
    ['ISO-8601 with an offset', '2026-11-25T08:59:58+01:00'],
    ['epoch milliseconds', Date.parse('2026-11-25T07:59:58Z')],
    ['epoch seconds', Date.parse('2026-11-25T07:59:58Z') / 1000],
  ])('accepts the event time as %s and stores it in UTC', (_, timestamp) => {
    const { record } = okRecord(normaliseReading(reading({ timestamp }), kinesis));
    expect(record.event_time).toBe('2026-11-25T07:59:58.000Z');
  });

  it('accepts metric values sent as numeric strings', () => {
    const { record } = okRecord(
      normaliseReading(
        reading({ metrics: { temperature: '18.9', humidity: ' 51 ', pressure: '1.0094e3' } }),
        kinesis,
      ),
    );
    expect([record.temperature, record.humidity, record.pressure, record.battery]).toEqual([
      18.9,
      51,
      1009.4,
      null,
    ]);
  });

  it('keeps the location and the Kafka coordinates of an MSK record', () => {
    const { record } = okRecord(
      normaliseReading(reading({ location: { lat: 41.1579, lon: -8.6291 } }), {
        source: 'msk',
        ingestTimeMs,
        kafka: { topic: 'telemetry', partition: 3, offset: 184467 },
      }),
    );
    expect(record).toMatchObject({
      latitude: 41.1579,
      longitude: -8.6291,
      source: 'msk',
      kafka_topic: 'telemetry',
      kafka_partition: 3,
      kafka_offset: 184467,
    });
  });

  it('gives the same reading the same event id whichever path and time it arrived by', () => {
    const viaKinesis = okRecord(normaliseReading(reading(), kinesis)).record;
    const viaMsk = okRecord(
      normaliseReading(reading(), {
        source: 'msk',
        ingestTimeMs: ingestTimeMs + 60_000,
        kafka: { topic: 't', partition: 0, offset: 1 },
      }),
    ).record;
    const otherValue = okRecord(
      normaliseReading(reading({ metrics: { temperature: 21.8 } }), kinesis),
    ).record;

    expect(viaMsk.event_id).toBe(viaKinesis.event_id);
    expect(otherValue.event_id).not.toBe(viaKinesis.event_id);
  });

  it('drops heartbeats as valid but not stored', () => {
    expect(normaliseReading({ deviceId: 'dev-0005', type: 'heartbeat' }, kinesis)).toEqual({
      outcome: 'dropped',
      reason: 'heartbeat',
      detail: 'heartbeat from dev-0005',
    });
  });

  it.each([
    ['a heartbeat without a device id', { type: 'heartbeat' }, 'invalid_device_id'],
    ['a missing device id', reading({ deviceId: undefined }), 'invalid_device_id'],
    ['a device id with SQL in it', reading({ deviceId: "x'; DROP TABLE t;--" }), 'invalid_device_id'],
    ['a device id with a lone surrogate', reading({ deviceId: 'dev-\ud800' }), 'invalid_device_id'],
    ['a device id longer than 128 characters', reading({ deviceId: 'd'.repeat(129) }), 'invalid_device_id'],
    ['an event time in words', reading({ timestamp: 'yesterday' }), 'invalid_event_time'],
    ['an event time without a zone', reading({ timestamp: '2026-11-25T07:59:58' }), 'invalid_event_time'],
    ['an event time of zero', reading({ timestamp: 0 }), 'invalid_event_time'],
    ['a metric that is not a number', reading({ metrics: { temperature: 'warm' } }), 'invalid_metrics'],
    ['a metric out of its physical range', reading({ metrics: { humidity: 140 } }), 'invalid_metrics'],
    ['an infinite metric', reading({ metrics: { pressure: Infinity } }), 'invalid_metrics'],
    ['NaN', reading({ metrics: { pressure: Number.NaN } }), 'invalid_metrics'],
    ['an unknown metric', reading({ metrics: { co2: 410 } }), 'invalid_metrics'],
    ['no metrics at all', reading({ metrics: {} }), 'invalid_metrics'],
    ['metrics that are not an object', reading({ metrics: [21.7] }), 'invalid_metrics'],
    ['a site with spaces', reading({ site: 'plant berlin' }), 'schema_violation'],
    ['a latitude beyond the pole', reading({ location: { lat: 91, lon: 0 } }), 'schema_violation'],
  ])('rejects %s', (_, message, reason) => {
    const result = normaliseReading(message, kinesis);
    expect(result).toMatchObject({ outcome: 'rejected', reason });
    expect(result.outcome === 'rejected' && result.detail.length).toBeGreaterThan(0);
  });

  it('rejects readings beyond the configured event-time window', () => {
    const policy = DEFAULT_EVENT_TIME_POLICY;
    const at = (offsetMs: number) => reading({ timestamp: ingestTimeMs + offsetMs });

    expect(normaliseReading(at(policy.maxFutureSkewMs), kinesis, policy).outcome).toBe('ok');
    expect(normaliseReading(at(policy.maxFutureSkewMs + 1), kinesis, policy)).toMatchObject({
      reason: 'event_time_in_future',
    });
    expect(normaliseReading(at(-policy.maxEventAgeMs), kinesis, policy).outcome).toBe('ok');
    expect(normaliseReading(at(-policy.maxEventAgeMs - 1), kinesis, policy)).toMatchObject({
      reason: 'event_time_too_old',
    });
  });

  it('ignores unknown top-level fields that gateways add', () => {
    const { record } = okRecord(normaliseReading(reading({ rssi: -71, gateway: { id: 'gw-1' } }), kinesis));
    expect(Object.keys(record)).not.toContain('rssi');
  });
});

describe('normaliseHubMessage', () => {
  it('normalises raw readings from IoT or SDK producers as source kinesis', () => {
    expect(okRecord(normaliseHubMessage(reading(), ingestTimeMs)).record.source).toBe('kinesis');
  });

  it('accepts a record msk-consumer already normalised, keeping its provenance and recomputing its id', () => {
    const forwarded = okRecord(
      normaliseReading(reading(), {
        source: 'msk',
        ingestTimeMs,
        kafka: { topic: 'telemetry', partition: 1, offset: 7 },
      }),
    ).record;

    const result = okRecord(
      normaliseHubMessage({ ...forwarded, event_id: 'f'.repeat(32) }, ingestTimeMs + 5_000),
    );

    expect(result.record).toEqual(forwarded);
    expect(result.partition).toEqual({ dt: '2026-11-25', hour: '07' });
  });

  it('accepts a record from an msk-consumer deployed before the registry columns, as not enriched', () => {
    const forwarded = okRecord(
      normaliseReading(reading(), {
        source: 'msk',
        ingestTimeMs,
        kafka: { topic: 'telemetry', partition: 1, offset: 7 },
      }),
    ).record;
    const { registered, model, owner, location_label, install_date, ...olderLayout } = forwarded;
    expect([registered, model, owner, location_label, install_date]).toEqual([false, null, null, null, null]);

    expect(okRecord(normaliseHubMessage(olderLayout, ingestTimeMs + 5_000)).record).toEqual(forwarded);
  });

  describe('gives a canonical record the same validation as a raw reading', () => {
    const forwarded = () =>
      okRecord(
        normaliseReading(reading(), {
          source: 'msk',
          ingestTimeMs,
          kafka: { topic: 'telemetry', partition: 1, offset: 7 },
        }),
      ).record;
    const arrivalMs = ingestTimeMs + 5_000;
    const policy = DEFAULT_EVENT_TIME_POLICY;
    const iso = (epochMs: number) => new Date(epochMs).toISOString();

    // Each case: the canonical record, and the raw reading that says the same; both must get the reason.
    it.each([
      [
        'a metric far beyond its range',
        { temperature: 1e308 },
        { metrics: { temperature: 1e308 } },
        'invalid_metrics',
      ],
      ['a humidity above 100 %', { humidity: 140 }, { metrics: { humidity: 140 } }, 'invalid_metrics'],
      ['a negative pressure', { pressure: -5 }, { metrics: { pressure: -5 } }, 'invalid_metrics'],
      [
        'no metric at all',
        { temperature: null, humidity: null, pressure: null, battery: null },
        { metrics: {} },
        'invalid_metrics',
      ],
      [
        'a metric that is not a number',
        { battery: '87' },
        { metrics: { battery: 'full' } },
        'invalid_metrics',
      ],
      [
        'an event time in the year 0000',
        { event_time: '0000-01-01T00:00:00.000Z' },
        { timestamp: '0000-01-01T00:00:00.000Z' },
        'invalid_event_time',
      ],
      [
        'an event time before 1970',
        { event_time: '1969-12-31T23:59:59.000Z' },
        { timestamp: '1969-12-31T23:59:59.000Z' },
        'invalid_event_time',
      ],
      [
        'an event time beyond the future skew',
        { event_time: iso(arrivalMs + policy.maxFutureSkewMs + 1) },
        { timestamp: iso(arrivalMs + policy.maxFutureSkewMs + 1) },
        'event_time_in_future',
      ],
      [
        'an event time in the year 9999',
        { event_time: '9999-12-31T23:59:59.999Z' },
        { timestamp: '9999-12-31T23:59:59.999Z' },
        'event_time_in_future',
      ],
      [
        'an event time older than the maximum age',
        { event_time: iso(arrivalMs - policy.maxEventAgeMs - 1) },
        { timestamp: iso(arrivalMs - policy.maxEventAgeMs - 1) },
        'event_time_too_old',
      ],
      ['a device id with spaces', { device_id: 'dev 1' }, { deviceId: 'dev 1' }, 'invalid_device_id'],
    ])('rejects %s', (_, canonical, raw, reason) => {
      const canonicalResult = normaliseHubMessage({ ...forwarded(), ...canonical }, arrivalMs, policy);
      const rawResult = normaliseHubMessage(reading(raw), arrivalMs, policy);

      expect(canonicalResult).toMatchObject({ outcome: 'rejected', reason });
      expect(rawResult).toMatchObject({ outcome: 'rejected', reason });
    });

    it('judges the event-time window from the arrival in the hub, not from the ingest time the record claims', () => {
      const old = iso(arrivalMs - policy.maxEventAgeMs - 60_000);
      expect(
        normaliseHubMessage({ ...forwarded(), event_time: old, ingest_time: old }, arrivalMs, policy),
      ).toMatchObject({ outcome: 'rejected', reason: 'event_time_too_old' });
    });

    it('rejects an event time later than the ingest time the record carries (the rule msk-consumer applied)', () => {
      const record = { ...forwarded(), event_time: iso(ingestTimeMs + policy.maxFutureSkewMs + 1) };
      expect(normaliseHubMessage(record, ingestTimeMs + 3_600_000, policy)).toMatchObject({
        outcome: 'rejected',
        reason: 'event_time_in_future',
      });
    });

    it('rejects an ingest time after the record reached the hub', () => {
      const record = { ...forwarded(), ingest_time: iso(arrivalMs + policy.maxFutureSkewMs + 1) };
      expect(normaliseHubMessage(record, arrivalMs, policy)).toMatchObject({
        outcome: 'rejected',
        reason: 'schema_violation',
      });
    });

    it('rejects Kafka coordinates that are only partly set', () => {
      expect(normaliseHubMessage({ ...forwarded(), kafka_offset: null }, arrivalMs, policy)).toMatchObject({
        outcome: 'rejected',
        reason: 'schema_violation',
      });
    });

    it('clears enrichment the record claims: only the registry lookup sets it', () => {
      const claimed = { ...forwarded(), registered: true, model: 'forged', owner: 'someone' };
      expect(okRecord(normaliseHubMessage(claimed, arrivalMs, policy)).record).toEqual(forwarded());
    });
  });

  it('rejects a canonical-looking record that breaks the schema', () => {
    expect(normaliseHubMessage({ schema_version: 1, device_id: 'dev-1' }, ingestTimeMs)).toMatchObject({
      outcome: 'rejected',
      reason: 'schema_violation',
    });
  });
});
