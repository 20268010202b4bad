import type { ShardDescription } from './api';
import type { HashKeyRange } from './hash-key';

// A shard: the unit of a stream that owns a contiguous range of hash keys, stores the records
// routed to it in sequence-number order and has a fixed write capacity; splits and merges close a
// shard and open children that name it as parent.
// https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html
// https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html

/** A record as the hub stores it; `approximateArrivalTimestamp` is epoch milliseconds. */
export interface StoredRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestamp: number;
  /** Data plus partition key bytes, what the write limits count. */
  sizeBytes: number;
}

/** Where a reader stands in one shard: the last sequence number it has processed ('' = before all). */
export type Position = string;

export interface ShardWriteLimits {
  bytesPerSecond: number;
  recordsPerSecond: number;
}

export const shardIdFor = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;

// Sequence numbers are decimal strings that only grow (per shard and, here, across the stream);
// fixed width keeps string order equal to numeric order.
export const sequenceNumberFor = (counter: bigint): string => `49${counter.toString().padStart(54, '0')}`;

/** The records of a shard after a position: how many, their data bytes, when the first arrived. */
export interface UnreadSummary {
  count: number;
  dataBytes: number;
  firstArrival: number | undefined;
}

const NOTHING_UNREAD: UnreadSummary = Object.freeze({ count: 0, dataBytes: 0, firstArrival: undefined });

/** One shard's records (oldest first, the trimmed ones before `head`) and its write budget. */
export class Shard {
  readonly records: StoredRecord[] = [];
  /** Data bytes of every record appended so far, up to and including `records[i]` (same indexes). */
  readonly #dataBytesThrough: number[] = [];
  #dataBytesTotal = 0;
  head = 0;
  endingSequenceNumber: string | undefined;
  lastSequenceNumber: string | undefined;
  #usageSecond = -1;
  #usageBytes = 0;
  #usageRecords = 0;
  #readSecond = -1;
  #readTransactions = 0;

  constructor(
    readonly shardId: string,
    readonly range: HashKeyRange,
    readonly startingSequenceNumber: string,
    readonly parentShardId?: string,
    readonly adjacentParentShardId?: string,
  ) {}

  get open(): boolean {
    return this.endingSequenceNumber === undefined;
  }

  /** Records held (not yet trimmed). */
  get live(): number {
    return this.records.length - this.head;
  }

  /** The position a LATEST iterator or reader takes: after every record written so far. */
  get latestPosition(): Position {
    return this.lastSequenceNumber ?? this.startingSequenceNumber;
  }

  push(record: StoredRecord): void {
    this.#dataBytesTotal += record.data.byteLength;
    this.records.push(record);
    this.#dataBytesThrough.push(this.#dataBytesTotal);
    this.lastSequenceNumber = record.sequenceNumber;
  }

  /** Closes the shard after a split or merge: it keeps its records, and takes no more writes. */
  close(): void {
    this.endingSequenceNumber = this.latestPosition;
  }

  /** Index of the first live record after `position`. */
  indexAfter(position: Position): number {
    let low = this.head;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.records[middle] as StoredRecord).sequenceNumber <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Records after `position`, oldest first, at most `limit` records and `maxBytes` (at least one). */
  readAfter(position: Position, { limit, maxBytes }: { limit: number; maxBytes?: number }): StoredRecord[] {
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (
      let index = this.indexAfter(position);
      index < this.records.length && out.length < limit;
      index += 1
    ) {
      const record = this.records[index] as StoredRecord;
      if (maxBytes !== undefined && out.length > 0 && bytes + record.sizeBytes > maxBytes) break;
      bytes += record.sizeBytes;
      out.push(record);
    }
    return out;
  }

  countAfter(position: Position): number {
    return this.records.length - this.indexAfter(position);
  }

  /** Data bytes (without partition keys) of the records after `position` (O(1): readers ask on every poll). */
  dataBytesAfter(position: Position): number {
    const index = this.indexAfter(position);
    const record = this.records[index];
    if (!record) return 0;
    return this.#dataBytesTotal - ((this.#dataBytesThrough[index] as number) - record.data.byteLength);
  }

  /** countAfter, dataBytesAfter and firstAfter's arrival from one lookup (a reader asks on every step). */
  unreadAfter(position: Position): UnreadSummary {
    const index = this.indexAfter(position);
    const first = this.records[index];
    if (!first) return NOTHING_UNREAD;
    return {
      count: this.records.length - index,
      dataBytes: this.#dataBytesTotal - ((this.#dataBytesThrough[index] as number) - first.data.byteLength),
      firstArrival: first.approximateArrivalTimestamp,
    };
  }

  firstAfter(position: Position): StoredRecord | undefined {
    return this.records[this.indexAfter(position)];
  }

  /** True when the shard is closed and nothing is left after `position`. */
  isEndedAfter(position: Position): boolean {
    return !this.open && this.indexAfter(position) >= this.records.length;
  }

  /** The position just before the first record that arrived at or after `timestamp`. */
  positionBefore(timestamp: number): Position {
    let position: Position = '';
    for (let index = this.head; index < this.records.length; index += 1) {
      const record = this.records[index] as StoredRecord;
      if (record.approximateArrivalTimestamp >= timestamp) break;
      position = record.sequenceNumber;
    }
    return position;
  }

  /** Index of the first live record that arrived at or after `horizon`. */
  indexArrivedFrom(horizon: number): number {
    let index = this.head;
    while (
      index < this.records.length &&
      (this.records[index] as StoredRecord).approximateArrivalTimestamp < horizon
    ) {
      index += 1;
    }
    return index;
  }

  /**
   * Counts a write against this second's budget; false when the shard is over its limit ("Each
   * shard can support writes up to 1,000 records per second, up to a maximum data write total of
   * 1 MiB per second", API_PutRecords).
   */
  admit(now: number, bytes: number, limits: ShardWriteLimits): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.#usageSecond) {
      this.#usageSecond = second;
      this.#usageBytes = 0;
      this.#usageRecords = 0;
    }
    if (
      this.#usageRecords + 1 > limits.recordsPerSecond ||
      this.#usageBytes + bytes > limits.bytesPerSecond
    ) {
      return false;
    }
    this.#usageRecords += 1;
    this.#usageBytes += bytes;
    return true;
  }

  /** Counts a GetRecords call against this second's read transactions; false when over the limit. */
  admitRead(now: number, transactionsPerSecond: number): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.#readSecond) {
      this.#readSecond = second;
      this.#readTransactions = 0;
    }
    if (this.#readTransactions >= transactionsPerSecond) return false;
    this.#readTransactions += 1;
    return true;
  }

  /** Releases the records before `index`. */
  dropThrough(index: number): void {
    this.head = Math.max(this.head, Math.min(index, this.records.length));
    // Compact now and then so trimmed records are garbage-collected without O(n) work per read.
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records.splice(0, this.head);
      this.#dataBytesThrough.splice(0, this.head);
      this.head = 0;
    }
  }

  describe(): ShardDescription {
    return {
      ShardId: this.shardId,
      ...(this.parentShardId ? { ParentShardId: this.parentShardId } : {}),
      ...(this.adjacentParentShardId ? { AdjacentParentShardId: this.adjacentParentShardId } : {}),
      HashKeyRange: {
        StartingHashKey: this.range.start.toString(),
        EndingHashKey: this.range.end.toString(),
      },
      SequenceNumberRange: {
        StartingSequenceNumber: this.startingSequenceNumber,
        ...(this.endingSequenceNumber ? { EndingSequenceNumber: this.endingSequenceNumber } : {}),
      },
    };
  }
}
