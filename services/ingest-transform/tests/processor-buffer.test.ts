import {
  DEFAULT_EVENT_TIME_POLICY,
  FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES,
  normaliseReading,
} from '@pipeline/shared';
import {
  MAX_RECORD_ID_CHARS,
  processorBufferSizeProblem,
  SMALLEST_VALID_READING,
  TRANSFORM_RESPONSE_BUDGET_BYTES,
  worstCaseExpansion,
  worstCaseResponseBytes,
} from '../src/domain/processor-buffer';
import { transformBatch, type FirehoseInputRecord } from '../src/domain/transform-batch';

const MIB = 1024 * 1024;
const ARRIVAL_MS = 2e12;

describe('the processor buffer bound', () => {
  it('starts from a reading that is valid and as small as a valid reading gets', () => {
    expect(
      normaliseReading(JSON.parse(SMALLEST_VALID_READING), { source: 'kinesis', ingestTimeMs: ARRIVAL_MS })
        .outcome,
    ).toBe('ok');
    // A shorter timestamp (one or two characters) is an instant of 1970: never inside the window.
    for (const timestamp of [9, 99])
      expect(
        normaliseReading(JSON.parse(SMALLEST_VALID_READING.replace('2e9', String(timestamp))), {
          source: 'kinesis',
          ingestTimeMs: Date.now(),
        }).outcome,
      ).toBe('rejected');
  });

  it('stays under Lambda 6 MB read as 6,000,000 bytes, the smaller of 6 MB and 6 MiB', () => {
    expect(FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES).toBe(6_000_000);
    expect(TRANSFORM_RESPONSE_BUDGET_BYTES).toBeLessThan(6_000_000);
  });

  it('accepts 0.2 MB, the default, and refuses the old default of 1 MB', () => {
    expect(processorBufferSizeProblem('0.2')).toBeUndefined();
    expect(worstCaseResponseBytes(0.2)).toBeLessThanOrEqual(TRANSFORM_RESPONSE_BUDGET_BYTES);
    expect(processorBufferSizeProblem('1')).toMatch(
      /^must be at most 0\.2: .* valid readings would be diverted$/,
    );
    for (const outside of ['0.1', '3.5', '', 'one'])
      expect(processorBufferSizeProblem(outside)).toMatch(/^must be a number from 0.2 to 3/);
  });

  it('is what the transform does: a 0.2 MB buffer of the smallest readings diverts none and fits 6 MB', () => {
    const data = Buffer.from(SMALLEST_VALID_READING).toString('base64');
    const count = Math.ceil((0.2 * MIB) / Buffer.byteLength(SMALLEST_VALID_READING)) + 1;
    const records: FirehoseInputRecord[] = Array.from({ length: count }, (_, index) => ({
      recordId: String(index).padStart(MAX_RECORD_ID_CHARS, '4'),
      approximateArrivalTimestamp: ARRIVAL_MS,
      data,
    }));

    const batch = transformBatch(records, {
      maxRecordBytes: 65536,
      eventTime: DEFAULT_EVENT_TIME_POLICY,
      responseLimitBytes: TRANSFORM_RESPONSE_BUDGET_BYTES,
    });

    expect(batch.summary.failed).toEqual({});
    expect(batch.summary.ok).toBe(count);
    const response = Buffer.byteLength(JSON.stringify({ records: batch.records }));
    expect(response).toBeLessThanOrEqual(worstCaseResponseBytes(0.2, 0));
    expect(response).toBeLessThanOrEqual(FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES);
    // The bound is an upper bound of the real serialised entry, per byte of input.
    expect(response / (count * Buffer.byteLength(SMALLEST_VALID_READING))).toBeLessThanOrEqual(
      worstCaseExpansion(0),
    );
  });
});
