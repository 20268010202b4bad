import { DEFAULT_EVENT_TIME_POLICY } from '@pipeline/shared';
import { parseRegistry } from '@pipeline/shared/registry';
import {
  transformBatch,
  type FirehoseInputRecord,
  type TransformSettings,
} from '../src/domain/transform-batch';

const arrival = Date.parse('2026-11-25T08:00:05.120Z');
const settings: TransformSettings = {
  maxRecordBytes: 65536,
  eventTime: DEFAULT_EVENT_TIME_POLICY,
  responseLimitBytes: 6 * 1024 * 1024,
};

// The smallest valid reading: its canonical form is several times larger than the input.
const tinyRecord = (index: number): FirehoseInputRecord => ({
  recordId: `record-${index}`,
  approximateArrivalTimestamp: arrival,
  data: Buffer.from(
    JSON.stringify({ deviceId: `d${index}`, timestamp: arrival - 1000, metrics: { battery: 50 } }),
  ).toString('base64'),
});

const responseBytes = (records: unknown[]) => Buffer.byteLength(JSON.stringify({ records }));

describe('transformBatch', () => {
  it('summarises outcomes by result and reason', () => {
    const { summary, failures } = transformBatch(
      [
        tinyRecord(1),
        { ...tinyRecord(2), data: Buffer.from('{"deviceId":"d2","type":"heartbeat"}').toString('base64') },
        { ...tinyRecord(3), data: 'bm90IGpzb24=' },
      ],
      settings,
    );

    expect(summary).toEqual({
      ok: 1,
      unregistered: 1,
      dropped: { heartbeat: 1 },
      failed: { invalid_json: 1 },
    });
    expect(failures).toEqual([{ recordId: 'record-3', reason: 'invalid_json', detail: expect.any(String) }]);
  });

  it('keeps the response under its budget by failing, not dropping, the records that no longer fit', () => {
    const records = Array.from({ length: 2000 }, (_, index) => tinyRecord(index));
    const inputBytes = responseBytes(records);
    const limited = { ...settings, responseLimitBytes: inputBytes * 2 };

    const { records: output, summary } = transformBatch(records, limited);

    expect(responseBytes(output)).toBeLessThanOrEqual(limited.responseLimitBytes);
    expect(output.map((record) => record.recordId)).toEqual(records.map((record) => record.recordId));
    const firstCut = output.findIndex((record) => record.result === 'ProcessingFailed');
    expect(firstCut).toBeGreaterThan(0);
    expect(output.slice(0, firstCut).every((record) => record.result === 'Ok')).toBe(true);
    expect(
      output.slice(firstCut).every((record, offset) => record.data === records[firstCut + offset]!.data),
    ).toBe(true);
    expect(summary.ok + (summary.failed.response_size_limit ?? 0)).toBe(records.length);
  });

  it('never needs the budget when the input leaves room for the normalised output', () => {
    const records = Array.from({ length: 2000 }, (_, index) => tinyRecord(index));
    expect(transformBatch(records, settings).summary).toEqual({
      ok: 2000,
      unregistered: 2000,
      dropped: {},
      failed: {},
    });
  });

  it('enriches Ok records from the registry it is given and counts the unregistered ones', () => {
    const registry = parseRegistry(
      [0, 2]
        .map((index) => JSON.stringify({ device_id: `d${index}`, site: 'plant-a', owner: 'ops' }))
        .join('\n'),
      'jsonl',
    );
    const { records, summary } = transformBatch([0, 1, 2].map(tinyRecord), settings, registry);

    expect(summary).toEqual({ ok: 3, unregistered: 1, dropped: {}, failed: {} });
    const lines = records.map(({ data }) => JSON.parse(Buffer.from(data, 'base64').toString('utf8')));
    expect(
      lines.map(({ device_id, site, registered, owner }) => ({ device_id, site, registered, owner })),
    ).toEqual([
      { device_id: 'd0', site: 'plant-a', registered: true, owner: 'ops' },
      { device_id: 'd1', site: null, registered: false, owner: null },
      { device_id: 'd2', site: 'plant-a', registered: true, owner: 'ops' },
    ]);
  });
});
