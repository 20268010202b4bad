import { createHash } from 'node:crypto';

// https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html: a partition key is MD5-hashed
// to a 128-bit unsigned integer (the hash key); each shard owns a contiguous range of hash keys.
export const MAX_HASH_KEY = (1n << 128n) - 1n;

export interface HashKeyRange {
  start: bigint;
  end: bigint;
}

/** The 128-bit hash key Kinesis derives from a partition key (MD5 of its UTF-8 bytes, big-endian). */
export const hashKeyOf = (partitionKey: string): bigint =>
  BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);

/** Parses an `ExplicitHashKey` (a decimal string), or undefined when it is not a valid hash key. */
export const parseExplicitHashKey = (value: string): bigint | undefined => {
  if (!/^\d{1,39}$/.test(value)) return undefined;
  const key = BigInt(value);
  return key <= MAX_HASH_KEY ? key : undefined;
};

/** The ranges `CreateStream` gives `shardCount` shards: the hash-key space split evenly. */
export const evenHashKeyRanges = (shardCount: number): HashKeyRange[] => {
  const space = MAX_HASH_KEY + 1n;
  const count = BigInt(shardCount);
  return Array.from({ length: shardCount }, (_, index) => {
    const i = BigInt(index);
    return { start: (space * i) / count, end: (space * (i + 1n)) / count - 1n };
  });
};

export const rangeContains = (range: HashKeyRange, hashKey: bigint): boolean =>
  hashKey >= range.start && hashKey <= range.end;

/**
 * `hashKeyOf` remembering up to `capacity` partition keys: producers reuse a few (device ids)
 * millions of times. Forgets everything when full, which keeps it O(1) without an LRU.
 */
export const cachedHashKeyOf = (capacity: number): ((partitionKey: string) => bigint) => {
  const cache = new Map<string, bigint>();
  return (partitionKey) => {
    let hashKey = cache.get(partitionKey);
    if (hashKey === undefined) {
      if (cache.size >= capacity) cache.clear();
      hashKey = hashKeyOf(partitionKey);
      cache.set(partitionKey, hashKey);
    }
    return hashKey;
  };
};
