import {
  canonicalRecordJson,
  FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES,
  normaliseReading,
  type Normalised,
} from '@pipeline/shared';
import { base64Length, responseEntryBytes } from './transform-batch';

// Margin for the response's envelope and for JSON escaping the transform does not count record by
// record.
const RESPONSE_MARGIN_BYTES = 64 * 1024;

/** What the transform lets its response grow to before it diverts a record (`response_size_limit`). */
export const TRANSFORM_RESPONSE_BUDGET_BYTES = FIREHOSE_LAMBDA_PAYLOAD_LIMIT_BYTES - RESPONSE_MARGIN_BYTES;

/**
 * The smallest valid reading, byte for byte: a one-character device id, one metric written with one
 * digit (`battery` is the shortest name whose range holds 0), and the shortest number that is ever
 * inside the event-time window: `2e9`, epoch seconds of 2033-05-18T03:33:20Z (an event time must be
 * after 1970 and within `maxEventAgeHours` of its arrival, so a one- or two-character number never
 * is). Valid readings at other times need a longer timestamp, so they are larger.
 */
export const SMALLEST_VALID_READING = '{"deviceId":"a","timestamp":2e9,"metrics":{"battery":0}}';
const SMALLEST_READING_ARRIVAL_MS = 2e12;

/**
 * Firehose's record ids for a Kinesis source are the sequence number and 12 more digits (68
 * characters in the published events, e.g. events/firehose-kinesis-source.json); AWS documents no
 * maximum, so the bound leaves room for almost twice that.
 */
export const MAX_RECORD_ID_CHARS = 128;

/**
 * What a device-registry entry may add to a canonical line and still be covered by the bound: the
 * registry's site (up to 128 characters instead of null) and about 380 characters of model, owner,
 * location label and install date. Registry labels may be longer (256 characters each), so a
 * registry with long labels can still push the smallest readings of its devices over the budget:
 * they are then diverted as `response_size_limit` (counted, kept under errors/ for replay), never a
 * failed invocation.
 */
export const REGISTRY_ENRICHMENT_BUDGET_BYTES = 512;

/** Firehose's buffer hint is in MB; counted as MiB here, the larger reading, so the bound holds for both. */
const BYTES_PER_MB = 1024 * 1024;

/** The deployed default of `processorBufferSizeMB`: Firehose's minimum, the only size the bound admits. */
export const DEFAULT_PROCESSOR_BUFFER_SIZE_MB = '0.2';

/** Firehose's allowed range for the processor's BufferSizeInMBs. */
export const PROCESSOR_BUFFER_LIMITS_MB = { min: 0.2, max: 3 } as const;

const okRecord = (result: Normalised) => {
  if (result.outcome !== 'ok') throw new Error(`the smallest valid reading was ${result.outcome}`);
  return result.record;
};

/**
 * The largest expansion any valid reading can have: the response bytes the transform counts for its
 * `Ok` entry (record id, result, base64 of the canonical line with the registry's enrichment,
 * partition keys) per byte of input record. Firehose buffers by the records' own bytes (not their
 * base64 in the request), so this ratio times the buffer size bounds the response.
 */
export const worstCaseExpansion = (registryEnrichmentBytes = REGISTRY_ENRICHMENT_BUDGET_BYTES): number => {
  const record = okRecord(
    normaliseReading(JSON.parse(SMALLEST_VALID_READING) as Record<string, unknown>, {
      source: 'kinesis',
      ingestTimeMs: SMALLEST_READING_ARRIVAL_MS,
    }),
  );
  const lineBytes = Buffer.byteLength(`${canonicalRecordJson(record)}\n`) + registryEnrichmentBytes;
  return (
    responseEntryBytes(MAX_RECORD_ID_CHARS, base64Length(lineBytes)) /
    Buffer.byteLength(SMALLEST_VALID_READING)
  );
};

/**
 * The response the transform accounts for, at worst, for one processor buffer of `bufferSizeMB`:
 * every byte of the buffer a smallest valid reading, plus one more reading (a batch may pass the
 * hint by its last record).
 */
export const worstCaseResponseBytes = (
  bufferSizeMB: number,
  registryEnrichmentBytes = REGISTRY_ENRICHMENT_BUDGET_BYTES,
): number =>
  Math.ceil(
    (bufferSizeMB * BYTES_PER_MB + Buffer.byteLength(SMALLEST_VALID_READING)) *
      worstCaseExpansion(registryEnrichmentBytes),
  );

/**
 * Why a processor buffer size (the `processorBufferSizeMB` parameter) is refused, or undefined when
 * it is fine: outside Firehose's range, or so large that a buffer of valid readings could make the
 * transform divert some of them (`response_size_limit`) to keep its response under the 6 MB limit.
 */
export const processorBufferSizeProblem = (value: string | number): string | undefined => {
  const sizeMB = Number(value);
  const { min, max } = PROCESSOR_BUFFER_LIMITS_MB;
  if (String(value).trim() === '' || !(sizeMB >= min && sizeMB <= max))
    return `must be a number from ${min} to ${max} (Firehose's range)`;
  const response = worstCaseResponseBytes(sizeMB);
  if (response > TRANSFORM_RESPONSE_BUDGET_BYTES)
    return (
      `must be at most ${largestSafeProcessorBufferSizeMB()}: a buffer of the smallest valid readings ` +
      `needs a transform response of ${response} bytes, above its budget of ${TRANSFORM_RESPONSE_BUDGET_BYTES} ` +
      `(Lambda's 6 MB response limit), so valid readings would be diverted`
    );
  return undefined;
};

/** The largest buffer size, in hundredths of a MB (Firehose's hint is a decimal), that is safe. */
export const largestSafeProcessorBufferSizeMB = (): number => {
  const perMB = BYTES_PER_MB * worstCaseExpansion();
  const fixed = Buffer.byteLength(SMALLEST_VALID_READING) * worstCaseExpansion();
  return Math.floor(((TRANSFORM_RESPONSE_BUDGET_BYTES - fixed) / perMB) * 100) / 100;
};
