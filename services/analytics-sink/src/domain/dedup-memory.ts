/** Bytes of an `event_id` kept for de-duplication: 48 bits, 8 base64 characters in the state. */
const FINGERPRINT_BYTES = 6;
export const FINGERPRINT_CHARS = (FINGERPRINT_BYTES / 3) * 4;

const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX_VALUE = new Int8Array(128).fill(-1);
for (const [value, digit] of [...'0123456789abcdef'].entries()) {
  HEX_VALUE[digit.charCodeAt(0)] = value;
  HEX_VALUE[digit.toUpperCase().charCodeAt(0)] = value;
}

/** Six hex digits from `start` as a 24-bit number, or -1 if one of them is not a hex digit. */
const hex24 = (hex: string, start: number): number => {
  let value = 0;
  for (let index = start; index < start + 6; index += 1) {
    // charCodeAt past the end is NaN, and a non-ASCII code is past the table: both read undefined.
    const digit = HEX_VALUE[hex.charCodeAt(index)];
    if (digit === undefined || digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
};

/** A 24-bit number as the four base64 digits of its three bytes. */
const base64Of24 = (value: number): string =>
  BASE64_DIGITS[value >>> 18]! +
  BASE64_DIGITS[(value >>> 12) & 63]! +
  BASE64_DIGITS[(value >>> 6) & 63]! +
  BASE64_DIGITS[value & 63]!;

/**
 * A reading's fingerprint: the first 48 bits of its `event_id` (itself a SHA-256 prefix), as the
 * base64 of those six bytes. Ids are kept per device, so a false "duplicate" needs two readings of
 * the same device in the same window to share 48 bits: about n²/2^49, 1.4e-9 for 900 readings (one
 * a second for 15 minutes). Computed digit by digit (this runs per reading: a fifth of the time of
 * a Buffer round trip); an id that does not start with twelve hex digits is read as Buffer reads it.
 */
export const fingerprintOf = (eventId: string): string => {
  const high = hex24(eventId, 0);
  const low = high < 0 ? -1 : hex24(eventId, 6);
  if (low < 0) return Buffer.from(eventId.slice(0, FINGERPRINT_BYTES * 2), 'hex').toString('base64');
  return base64Of24(high) + base64Of24(low);
};

export type Remembered = 'new' | 'duplicate' | 'unverified';

/**
 * The window's memory of counted readings, bounded by `capacity` fingerprints in total.
 *
 * A reading whose fingerprint is remembered is a duplicate. When the memory is full, new readings
 * are still checked against what is remembered, but are counted without being remembered
 * (`unverified`): a later copy of one of them would be counted twice. The count of such readings
 * travels with the aggregates so a consumer can see how far de-duplication was guaranteed.
 */
export class DedupMemory {
  private readonly byDevice: Map<string, Set<string>>;
  private count: number;

  constructor(
    readonly capacity: number,
    byDevice: Map<string, Set<string>> = new Map(),
  ) {
    this.byDevice = byDevice;
    this.count = [...byDevice.values()].reduce((total, set) => total + set.size, 0);
  }

  get size(): number {
    return this.count;
  }

  check(deviceId: string, eventId: string): Remembered {
    const fingerprint = fingerprintOf(eventId);
    const known = this.byDevice.get(deviceId);
    if (known?.has(fingerprint)) return 'duplicate';
    if (this.count >= this.capacity) return 'unverified';
    if (known) known.add(fingerprint);
    else this.byDevice.set(deviceId, new Set([fingerprint]));
    this.count += 1;
    return 'new';
  }

  clear(): void {
    this.byDevice.clear();
    this.count = 0;
  }

  /** Per device, the fingerprints concatenated in the order they were first seen. */
  encode(): Record<string, string> {
    return Object.fromEntries([...this.byDevice].map(([deviceId, set]) => [deviceId, [...set].join('')]));
  }

  static decode(encoded: Record<string, string>, capacity: number): DedupMemory {
    const byDevice = new Map<string, Set<string>>();
    for (const [deviceId, packed] of Object.entries(encoded)) {
      const set = new Set<string>();
      for (let offset = 0; offset < packed.length; offset += FINGERPRINT_CHARS) {
        set.add(packed.slice(offset, offset + FINGERPRINT_CHARS));
      }
      byDevice.set(deviceId, set);
    }
    return new DedupMemory(capacity, byDevice);
  }
}
