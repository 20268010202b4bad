import { enrichRecord, parseRegistry } from '../../src/registry';
import { normaliseReading, type CanonicalRecord } from '../../src';

const registry = parseRegistry(
  [
    '{"device_id":"dev-0001","site":"plant-hamburg","model":"TH-200","owner":"facilities","location":"Hall 3, north wall","install_date":"2024-05-17"}',
    '{"device_id":"dev-0002","site":"plant-berlin"}',
  ].join('\n'),
  'jsonl',
);

const record = (deviceId: string, extra: Record<string, unknown> = {}): CanonicalRecord => {
  const result = normaliseReading(
    {
      deviceId,
      site: 'plant-berlin',
      timestamp: '2026-11-25T07:59:58.250Z',
      metrics: { temperature: 21.7 },
      ...extra,
    },
    { source: 'kinesis', ingestTimeMs: Date.parse('2026-11-25T08:00:05.120Z') },
  );
  if (result.outcome !== 'ok') throw new Error('sample reading must normalise');
  return result.record;
};

describe('enrichRecord', () => {
  it('adds the registry entry of a known device, its site winning over the one the device sends', () => {
    const enriched = record('dev-0001');
    expect(enrichRecord(enriched, registry)).toBe(true);
    expect(enriched).toMatchObject({
      site: 'plant-hamburg',
      registered: true,
      model: 'TH-200',
      owner: 'facilities',
      location_label: 'Hall 3, north wall',
      install_date: '2024-05-17',
    });
  });

  it('marks a registered device with no optional columns as registered with null labels', () => {
    const enriched = record('dev-0002');
    expect(enrichRecord(enriched, registry)).toBe(true);
    expect(enriched).toMatchObject({
      site: 'plant-berlin',
      registered: true,
      model: null,
      install_date: null,
    });
  });

  it('flags an unknown device as not registered and keeps the site it sends', () => {
    const unknown = record('dev-9999');
    expect(enrichRecord(unknown, registry)).toBe(false);
    expect(unknown).toMatchObject({ site: 'plant-berlin', registered: false, model: null, owner: null });
  });

  it('flags every device as not registered without a registry, clearing enrichment it did not make', () => {
    const spoofed = { ...record('dev-0001'), registered: true, owner: 'someone' };
    expect(enrichRecord(spoofed, undefined)).toBe(false);
    expect(spoofed).toMatchObject({
      site: 'plant-berlin',
      registered: false,
      owner: null,
      location_label: null,
    });
  });

  it('keeps the coordinates the device sends apart from the registry location label', () => {
    const located = record('dev-0001', { location: { lat: 53.55, lon: 9.99 } });
    enrichRecord(located, registry);
    expect(located).toMatchObject({ latitude: 53.55, longitude: 9.99, location_label: 'Hall 3, north wall' });
  });
});
