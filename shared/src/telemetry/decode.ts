import type { Rejection } from './rejection';

/**
 * Canonical, padded base64 as AWS sends it (Firehose `data`, Kafka `value`), for a length already
 * known to be a multiple of 4: alphabet characters then at most two `=`. Same language as grouping
 * by four, but a flat character loop: twice as fast, and this runs once per record.
 */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes a padded base64 string of a length divisible by 4 holds. */
const decodedLength = (base64: string): number =>
  (base64.length / 4) * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);

/**
 * Whether `Buffer.from(base64, 'base64')` read every character as standard base64. It also reads
 * the URL-safe `-` and `_`, and skips (or stops at) anything else, so a string without those two
 * whose bytes are all there is canonical base64, and only the rest needs the pattern. On the hot
 * path this replaces the pattern (about 0.45 µs a record) with a length check and two `includes`
 * (decoding got about 0.3 µs a record faster); decode.test.ts checks that the verdict stays the
 * pattern's.
 */
const decodedInFull = (base64: string, bytes: Buffer): boolean =>
  bytes.length === decodedLength(base64) && !base64.includes('-') && !base64.includes('_');

/**
 * The payload as text when it is canonical base64 of plain ASCII, the common case, else undefined.
 * `atob` decodes to one character per byte without a Buffer, and ASCII reads the same as UTF-8, so
 * this skips a Buffer and the UTF-8 decoder (about 0.3 µs a record). `atob` throws on characters
 * outside the standard alphabet and drops ASCII whitespace, which makes the text shorter than the
 * length implies; any of that, and any byte above 0x7f (a byte-order mark too), leaves the payload
 * to the Buffer path, whose verdict it then gets.
 */
const asciiText = (base64: string): string | undefined => {
  let text: string;
  try {
    text = atob(base64);
  } catch {
    return undefined;
  }
  // One UTF-8 byte per character exactly when every character is below 0x80.
  return text.length === decodedLength(base64) && Buffer.byteLength(text, 'utf8') === text.length
    ? text
    : undefined;
};

// `fatal` makes malformed UTF-8 an error instead of U+FFFD replacement characters in the lake.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type Decoded =
  { ok: true; value: Record<string, unknown>; bytes: number } | ({ ok: false } & Rejection);

const reject = (reason: Rejection['reason'], detail: string): Decoded => ({ ok: false, reason, detail });

/**
 * Base64 payload -> JSON object, with a precise reason for each way it can fail. The size limit is
 * checked on the base64 length first, so an oversized record is never decoded.
 */
export const decodeJsonObject = (base64: string, maxBytes: number): Decoded => {
  if (base64.length === 0) return reject('empty_record', 'record has no data');
  if (Math.floor(base64.length / 4) * 3 > maxBytes + 2) {
    return reject(
      'oversized_record',
      `about ${Math.floor((base64.length * 3) / 4)} bytes, limit ${maxBytes}`,
    );
  }
  if (base64.length % 4 !== 0) return reject('invalid_base64', 'data is not valid base64');
  const ascii = asciiText(base64);
  if (ascii !== undefined) {
    if (ascii.length > maxBytes)
      return reject('oversized_record', `${ascii.length} bytes, limit ${maxBytes}`);
    return parseJsonText(ascii, ascii.length);
  }
  const bytes = Buffer.from(base64, 'base64');
  if (!decodedInFull(base64, bytes) && !BASE64.test(base64)) {
    return reject('invalid_base64', 'data is not valid base64');
  }
  if (bytes.length > maxBytes) return reject('oversized_record', `${bytes.length} bytes, limit ${maxBytes}`);
  return parseJsonObject(bytes);
};

/** UTF-8 bytes -> JSON object. */
export const parseJsonObject = (bytes: Uint8Array): Decoded => {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('invalid_utf8', 'data is not valid UTF-8');
  }
  return parseJsonText(text, bytes.length);
};

/** Decoded text of `bytes` bytes -> JSON object. */
const parseJsonText = (text: string, bytes: number): Decoded => {
  if (bytes === 0) return reject('empty_record', 'record has no data');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Blankness is only checked once parsing failed: trimming every record would copy it.
    if (text.trim().length === 0) return reject('empty_record', 'record is blank');
    return reject('invalid_json', error instanceof Error ? error.message : 'not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return reject(
      'not_an_object',
      `JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}`,
    );
  }
  return { ok: true, value: value as Record<string, unknown>, bytes };
};
