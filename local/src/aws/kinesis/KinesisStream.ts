import type { Clock } from '../clock';
import { LOCAL_ENVIRONMENT, type AwsEnvironment } from '../environment';
import {
  expiredIterator,
  invalidArgument,
  KinesisServiceError,
  resourceInUse,
  resourceNotFound,
  validationError,
} from './errors';
import {
  evenHashKeyRanges,
  hashKeyOf,
  parseExplicitHashKey,
  rangeContains,
  type HashKeyRange,
} from './hash-key';

// Limits of a provisioned-mode stream.
// https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
const MIB = 1024 * 1024;
export const KINESIS_LIMITS = {
  /** Data blob plus partition key, by default; a stream can be configured up to 10 MiB. */
  maxRecordBytes: MIB,
  maxConfigurableRecordBytes: 10 * MIB,
  putRecordsMaxRecords: 500,
  putRecordsMaxBytes: 5 * MIB,
  partitionKeyMaxLength: 256,
  /** Per shard and second: 1 MB and 1,000 records of writes. */
  shardWriteBytesPerSecond: MIB,
  shardWriteRecordsPerSecond: 1000,
  getRecordsMaxRecords: 10_000,
  getRecordsMaxBytes: 10 * MIB,
  /** A shard iterator expires five minutes after it is returned. */
  iteratorTtlMs: 5 * 60 * 1000,
  /** https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html */
  retentionHours: { min: 24, max: 8760, default: 24 },
} as const;

/** A PutRecords entry, as in `@aws-sdk/client-kinesis`. */
export interface PutRecordsRequestEntry {
  Data: Uint8Array | undefined;
  PartitionKey: string | undefined;
  ExplicitHashKey?: string;
}

export interface StreamTarget {
  StreamName?: string;
  StreamARN?: string;
}

export interface PutRecordsInput extends StreamTarget {
  Records: PutRecordsRequestEntry[] | undefined;
}

export interface PutRecordsResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutRecordsOutput {
  FailedRecordCount: number;
  Records: PutRecordsResultEntry[];
  EncryptionType: 'KMS';
}

export interface PutRecordInput extends StreamTarget, PutRecordsRequestEntry {}

export interface PutRecordOutput {
  ShardId: string;
  SequenceNumber: string;
  EncryptionType: 'KMS';
}

/** A record as the hub stores it; `approximateArrivalTimestamp` is epoch milliseconds. */
export interface StoredRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestamp: number;
  /** Data plus partition key bytes, what the write limits count. */
  sizeBytes: number;
}

export interface ShardDescription {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

export type ShardIteratorType =
  'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';

export interface GetShardIteratorInput extends StreamTarget {
  ShardId: string;
  ShardIteratorType: ShardIteratorType;
  StartingSequenceNumber?: string;
  Timestamp?: Date;
}

export interface KinesisRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: Date;
  Data: Uint8Array;
  PartitionKey: string;
  EncryptionType: 'KMS';
}

export interface GetRecordsOutput {
  Records: KinesisRecord[];
  NextShardIterator?: string;
  MillisBehindLatest: number;
  ChildShards?: { ShardId: string; ParentShards: string[]; HashKeyRange: ShardDescription['HashKeyRange'] }[];
}

/** Decides an entry's fate before the hub does: lets tests inject `InternalFailure` like AWS can. */
export type EntryFaultInjector = (entry: {
  partitionKey: string;
  shardId: string;
  index: number;
}) => 'InternalFailure' | 'ProvisionedThroughputExceededException' | undefined;

export interface KinesisStreamOptions {
  name: string;
  shardCount: number;
  clock: Clock;
  environment?: AwsEnvironment;
  /** Default 1 MiB (data plus partition key); at most 10 MiB. */
  maxRecordBytes?: number;
  retentionHours?: number;
  /** Per-shard write limits; override only to model a different quota. */
  writeLimits?: { bytesPerSecond: number; recordsPerSecond: number };
  faults?: EntryFaultInjector;
}

/** Where a reader stands in one shard: the last sequence number it has processed ('' = before all). */
type Position = string;

class Shard {
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

  get live(): number {
    return this.records.length - this.head;
  }

  push(record: StoredRecord): void {
    this.#dataBytesTotal += record.data.byteLength;
    this.records.push(record);
    this.#dataBytesThrough.push(this.#dataBytesTotal);
  }

  /** Data bytes of the records from `index` on (O(1): readers ask on every poll). */
  dataBytesFrom(index: number): number {
    const record = this.records[index];
    if (!record) return 0;
    return this.#dataBytesTotal - ((this.#dataBytesThrough[index] as number) - record.data.byteLength);
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

  /** Counts a write against this second's budget; false when the shard is over its limit. */
  admit(now: number, bytes: number, limits: { bytesPerSecond: number; recordsPerSecond: number }): boolean {
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

const HASH_KEY_CACHE_SIZE = 100_000;

const shardIdFor = (index: number): string => `shardId-${String(index).padStart(12, '0')}`;

// Sequence numbers are decimal strings that only grow (per shard and, here, across the stream);
// fixed width keeps string order equal to numeric order.
const sequenceNumberFor = (counter: bigint): string => `49${counter.toString().padStart(54, '0')}`;

interface IteratorToken {
  stream: string;
  shardId: string;
  position: Position;
  issuedAt: number;
}

/**
 * An in-process Kinesis data stream (provisioned mode): the pipeline's hub. Its API mirrors the SDK
 * (`putRecords`, `putRecord`, `listShards`, `getShardIterator`, `getRecords`, `splitShard`,
 * `mergeShards`), and `send(command)` accepts the SDK's own command objects, so code written
 * against `KinesisClient` runs against it unchanged.
 *
 * Memory stays bounded: records leave the hub once every registered reader has checkpointed past
 * them, or when they outlive the retention period (unlike AWS, which keeps consumed records until
 * retention; a reader that starts later at TRIM_HORIZON sees only what is still held).
 */
export class KinesisStream {
  readonly name: string;
  readonly arn: string;
  readonly #clock: Clock;
  readonly #shards = new Map<string, Shard>();
  readonly #readers = new Set<StreamReader>();
  readonly #maxRecordBytes: number;
  readonly #retentionMs: number;
  readonly #writeLimits: { bytesPerSecond: number; recordsPerSecond: number };
  readonly #faults: EntryFaultInjector | undefined;
  readonly #accountId: string;
  #counter = 0n;
  /**
   * The stream's `IncomingRecords`: "the number of records successfully put to the Kinesis
   * stream" (entries refused for throughput or failed inside are not). The production books read
   * the same metric from CloudWatch.
   * https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html
   */
  #incomingRecords = 0;
  #nextShardIndex = 0;
  #initialShardCount = 0;
  /** MD5 hash keys of recent partition keys: producers reuse a few (device ids) millions of times. */
  readonly #hashKeys = new Map<string, bigint>();

  get incomingRecords(): number {
    return this.#incomingRecords;
  }

  constructor(options: KinesisStreamOptions) {
    const environment = options.environment ?? LOCAL_ENVIRONMENT;
    if (!Number.isInteger(options.shardCount) || options.shardCount < 1) {
      throw invalidArgument(`ShardCount must be a positive integer, got ${options.shardCount}`);
    }
    const maxRecordBytes = options.maxRecordBytes ?? KINESIS_LIMITS.maxRecordBytes;
    if (maxRecordBytes < 1 || maxRecordBytes > KINESIS_LIMITS.maxConfigurableRecordBytes) {
      throw invalidArgument(
        `MaxRecordSize must be at most ${KINESIS_LIMITS.maxConfigurableRecordBytes} bytes`,
      );
    }
    this.name = options.name;
    this.arn = `arn:aws:kinesis:${environment.region}:${environment.accountId}:stream/${options.name}`;
    this.#accountId = environment.accountId;
    this.#clock = options.clock;
    this.#maxRecordBytes = maxRecordBytes;
    const retentionHours = options.retentionHours ?? KINESIS_LIMITS.retentionHours.default;
    const { min, max } = KINESIS_LIMITS.retentionHours;
    if (!Number.isInteger(retentionHours) || retentionHours < min || retentionHours > max) {
      throw invalidArgument(
        `RetentionPeriodHours must be an integer from ${min} to ${max}, got ${retentionHours}`,
      );
    }
    this.#retentionMs = retentionHours * 3600 * 1000;
    this.#writeLimits = options.writeLimits ?? {
      bytesPerSecond: KINESIS_LIMITS.shardWriteBytesPerSecond,
      recordsPerSecond: KINESIS_LIMITS.shardWriteRecordsPerSecond,
    };
    this.#faults = options.faults;
    for (const range of evenHashKeyRanges(options.shardCount)) this.#createShard(range);
    this.#initialShardCount = options.shardCount;
  }

  // ---- Producer API ------------------------------------------------------------------------

  /**
   * PutRecords: the request is validated as a whole (count, sizes, keys), then each entry is
   * routed by its hash key and either stored or rejected on its own, so one hot shard fails only
   * its own entries (`ProvisionedThroughputExceededException`) and the caller retries just those.
   */
  async putRecords(input: PutRecordsInput): Promise<PutRecordsOutput> {
    this.#checkTarget(input);
    const entries = input.Records ?? [];
    if (entries.length < 1 || entries.length > KINESIS_LIMITS.putRecordsMaxRecords) {
      throw validationError(
        `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${KINESIS_LIMITS.putRecordsMaxRecords}`,
      );
    }
    const validated = entries.map((entry, index) => this.#validateEntry(entry, index));
    const total = validated.reduce((sum, entry) => sum + entry.sizeBytes, 0);
    if (total > KINESIS_LIMITS.putRecordsMaxBytes) {
      throw invalidArgument(
        `Records size exceeds ${KINESIS_LIMITS.putRecordsMaxBytes} bytes limit: ${total} bytes (data plus partition keys)`,
      );
    }
    const now = this.#clock.now();
    const results = validated.map((entry, index): PutRecordsResultEntry => {
      const shard = this.#route(entry.hashKey);
      const fault = this.#faults?.({ partitionKey: entry.partitionKey, shardId: shard.shardId, index });
      if (fault === 'InternalFailure')
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
      if (
        fault === 'ProvisionedThroughputExceededException' ||
        !shard.admit(now, entry.sizeBytes, this.#writeLimits)
      ) {
        return {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard ${shard.shardId} in stream ${this.name} under account ${this.#accountId}.`,
        };
      }
      const stored = this.#append(shard, entry, now);
      this.#incomingRecords += 1;
      return { SequenceNumber: stored.sequenceNumber, ShardId: shard.shardId };
    });
    return {
      FailedRecordCount: results.filter((result) => result.ErrorCode !== undefined).length,
      Records: results,
      EncryptionType: 'KMS',
    };
  }

  /** PutRecord: like one PutRecords entry, but a throttled write throws. */
  async putRecord(input: PutRecordInput): Promise<PutRecordOutput> {
    const { Records, FailedRecordCount } = await this.putRecords({
      ...(input.StreamName ? { StreamName: input.StreamName } : {}),
      ...(input.StreamARN ? { StreamARN: input.StreamARN } : {}),
      Records: [input],
    });
    const [result] = Records as [PutRecordsResultEntry];
    if (FailedRecordCount > 0) {
      throw new KinesisServiceError(result.ErrorCode ?? 'InternalFailure', result.ErrorMessage ?? 'failed');
    }
    return {
      ShardId: result.ShardId as string,
      SequenceNumber: result.SequenceNumber as string,
      EncryptionType: 'KMS',
    };
  }

  // ---- Shard management --------------------------------------------------------------------

  async listShards(_input: StreamTarget = {}): Promise<{ Shards: ShardDescription[] }> {
    return { Shards: [...this.#shards.values()].map((shard) => shard.describe()) };
  }

  /** The shard a partition key (or explicit hash key) is routed to right now. */
  shardFor(partitionKey: string, explicitHashKey?: string): string {
    const hashKey =
      explicitHashKey === undefined ? hashKeyOf(partitionKey) : parseExplicitHashKey(explicitHashKey);
    if (hashKey === undefined) throw invalidArgument(`Invalid ExplicitHashKey: ${explicitHashKey}`);
    return this.#route(hashKey).shardId;
  }

  openShardIds(): string[] {
    return [...this.#shards.values()].filter((shard) => shard.open).map((shard) => shard.shardId);
  }

  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html: the parent closes
  // (it keeps its records for readers to finish) and two children split its hash-key range at
  // NewStartingHashKey; new writes go to the children.
  async splitShard(
    input: StreamTarget & { ShardToSplit: string; NewStartingHashKey: string },
  ): Promise<{ ChildShardIds: [string, string] }> {
    this.#checkTarget(input);
    const parent = this.#openShard(input.ShardToSplit);
    const split = parseExplicitHashKey(input.NewStartingHashKey);
    if (split === undefined || split <= parent.range.start || split > parent.range.end) {
      throw invalidArgument(
        `NewStartingHashKey ${input.NewStartingHashKey} must lie inside the hash key range of ${parent.shardId} and above its starting hash key`,
      );
    }
    this.#close(parent);
    const low = this.#createShard({ start: parent.range.start, end: split - 1n }, parent.shardId);
    const high = this.#createShard({ start: split, end: parent.range.end }, parent.shardId);
    return { ChildShardIds: [low.shardId, high.shardId] };
  }

  // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MergeShards.html: two open shards
  // with adjacent hash-key ranges close and one child covering both ranges takes the writes.
  async mergeShards(
    input: StreamTarget & { ShardToMerge: string; AdjacentShardToMerge: string },
  ): Promise<{ ChildShardId: string }> {
    this.#checkTarget(input);
    const shard = this.#openShard(input.ShardToMerge);
    const adjacent = this.#openShard(input.AdjacentShardToMerge);
    const [low, high] = shard.range.start < adjacent.range.start ? [shard, adjacent] : [adjacent, shard];
    if (low.range.end + 1n !== high.range.start) {
      throw invalidArgument(
        `Shards ${shard.shardId} and ${adjacent.shardId} do not have adjacent hash key ranges`,
      );
    }
    this.#close(shard);
    this.#close(adjacent);
    const child = this.#createShard(
      { start: low.range.start, end: high.range.end },
      shard.shardId,
      adjacent.shardId,
    );
    return { ChildShardId: child.shardId };
  }

  // ---- Consumer API (GetShardIterator / GetRecords) ------------------------------------------

  async getShardIterator(input: GetShardIteratorInput): Promise<{ ShardIterator: string }> {
    this.#checkTarget(input);
    const shard = this.#shard(input.ShardId);
    let position: Position;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        position = '';
        break;
      case 'LATEST':
        position = shard.lastSequenceNumber ?? shard.startingSequenceNumber;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const sequence = input.StartingSequenceNumber;
        if (!sequence || !/^\d+$/.test(sequence)) throw invalidArgument('StartingSequenceNumber is required');
        position =
          input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? sequence : precedingPosition(sequence);
        break;
      }
      case 'AT_TIMESTAMP':
        if (!input.Timestamp) throw invalidArgument('Timestamp is required for AT_TIMESTAMP');
        position = this.positionBefore(shard.shardId, input.Timestamp.getTime());
        break;
      default:
        throw invalidArgument(`Unknown ShardIteratorType ${String(input.ShardIteratorType)}`);
    }
    return { ShardIterator: this.#encodeIterator(shard.shardId, position) };
  }

  async getRecords(input: {
    ShardIterator: string;
    Limit?: number;
    StreamARN?: string;
  }): Promise<GetRecordsOutput> {
    const limit = input.Limit ?? KINESIS_LIMITS.getRecordsMaxRecords;
    // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html: "If you specify a
    // value that is greater than 10,000, GetRecords throws InvalidArgumentException."
    if (limit > KINESIS_LIMITS.getRecordsMaxRecords) {
      throw invalidArgument(`Limit must be at most ${KINESIS_LIMITS.getRecordsMaxRecords}, got ${limit}`);
    }
    if (!Number.isInteger(limit) || limit < 1) {
      throw validationError(`Limit must be between 1 and ${KINESIS_LIMITS.getRecordsMaxRecords}`);
    }
    const token = this.#decodeIterator(input.ShardIterator);
    const shard = this.#shard(token.shardId);
    const records = this.readAfter(shard.shardId, token.position, {
      limit,
      maxBytes: KINESIS_LIMITS.getRecordsMaxBytes,
    });
    const position = records.at(-1)?.sequenceNumber ?? token.position;
    const ended = !shard.open && shard.indexAfter(position) >= shard.records.length;
    const next = shard.records[shard.indexAfter(position)];
    return {
      Records: records.map((record) => ({
        SequenceNumber: record.sequenceNumber,
        ApproximateArrivalTimestamp: new Date(record.approximateArrivalTimestamp),
        Data: record.data,
        PartitionKey: record.partitionKey,
        EncryptionType: 'KMS',
      })),
      ...(ended ? {} : { NextShardIterator: this.#encodeIterator(shard.shardId, position) }),
      MillisBehindLatest: next ? Math.max(0, this.#clock.now() - next.approximateArrivalTimestamp) : 0,
      ...(ended
        ? {
            ChildShards: this.childrenOf(shard.shardId).map((child) => ({
              ShardId: child.ShardId,
              ParentShards: [child.ParentShardId, child.AdjacentParentShardId].filter(
                (id): id is string => !!id,
              ),
              HashKeyRange: child.HashKeyRange,
            })),
          }
        : {}),
    };
  }

  /**
   * Accepts `@aws-sdk/client-kinesis` command objects (`new PutRecordsCommand(input)` and friends),
   * so an SDK-backed adapter can be handed this hub as its client.
   */
  async send(command: { input: unknown }): Promise<unknown> {
    const operation = command.constructor.name.replace(/Command$/, '');
    const input = command.input as never;
    switch (operation) {
      case 'PutRecords':
        return this.putRecords(input);
      case 'PutRecord':
        return this.putRecord(input);
      case 'ListShards':
        return this.listShards(input);
      case 'GetShardIterator':
        return this.getShardIterator(input);
      case 'GetRecords':
        return this.getRecords(input);
      case 'SplitShard':
        return this.splitShard(input);
      case 'MergeShards':
        return this.mergeShards(input);
      default:
        throw new KinesisServiceError(
          'UnsupportedOperation',
          `The local hub does not implement ${operation}`,
        );
    }
  }

  // ---- Internal reader support (used by StreamReader and the simulators) ---------------------

  /** Records of a shard after `position`, oldest first, at most `limit` records and `maxBytes`. */
  readAfter(shardId: string, position: Position, { limit, maxBytes }: { limit: number; maxBytes?: number }) {
    const shard = this.#shard(shardId);
    const out: StoredRecord[] = [];
    let bytes = 0;
    for (
      let index = shard.indexAfter(position);
      index < shard.records.length && out.length < limit;
      index += 1
    ) {
      const record = shard.records[index] as StoredRecord;
      if (maxBytes !== undefined && out.length > 0 && bytes + record.sizeBytes > maxBytes) break;
      bytes += record.sizeBytes;
      out.push(record);
    }
    return out;
  }

  /** How many held records of a shard lie after `position`. */
  countAfter(shardId: string, position: Position): number {
    const shard = this.#shard(shardId);
    return shard.records.length - shard.indexAfter(position);
  }

  /** Data bytes (without partition keys) of the held records of a shard after `position`. */
  dataBytesAfter(shardId: string, position: Position): number {
    const shard = this.#shard(shardId);
    return shard.dataBytesFrom(shard.indexAfter(position));
  }

  /** Arrival time of the first held record of a shard after `position`, if any. */
  firstArrivalAfter(shardId: string, position: Position): number | undefined {
    const shard = this.#shard(shardId);
    return shard.records[shard.indexAfter(position)]?.approximateArrivalTimestamp;
  }

  /** True when the shard is closed and nothing is left after `position`. */
  isShardEnded(shardId: string, position: Position): boolean {
    const shard = this.#shard(shardId);
    return !shard.open && shard.indexAfter(position) >= shard.records.length;
  }

  /** The position just before the first record that arrived at or after `timestamp`. */
  positionBefore(shardId: string, timestamp: number): Position {
    const shard = this.#shard(shardId);
    let position: Position = '';
    for (let index = shard.head; index < shard.records.length; index += 1) {
      const record = shard.records[index] as StoredRecord;
      if (record.approximateArrivalTimestamp >= timestamp) break;
      position = record.sequenceNumber;
    }
    return position;
  }

  /** Position a reader starting at LATEST takes in a shard. */
  latestPosition(shardId: string): Position {
    const shard = this.#shard(shardId);
    return shard.lastSequenceNumber ?? shard.startingSequenceNumber;
  }

  describeShard(shardId: string): ShardDescription {
    return this.#shard(shardId).describe();
  }

  shardIds(): string[] {
    return [...this.#shards.keys()];
  }

  /** False until a shard is split or merged: until then every shard is open and has no parent. */
  get resharded(): boolean {
    return this.#shards.size > this.#initialShardCount;
  }

  childrenOf(shardId: string): ShardDescription[] {
    return [...this.#shards.values()]
      .filter((shard) => shard.parentShardId === shardId || shard.adjacentParentShardId === shardId)
      .map((shard) => shard.describe());
  }

  /** Records currently held in memory, all shards. */
  heldRecordCount(): number {
    return [...this.#shards.values()].reduce((sum, shard) => sum + shard.live, 0);
  }

  /** @internal Called by StreamReader. */
  attach(reader: StreamReader): void {
    this.#readers.add(reader);
  }

  /** @internal Called by StreamReader. */
  detach(reader: StreamReader): void {
    this.#readers.delete(reader);
  }

  /** Drops records every attached reader has checkpointed past, and records beyond retention. */
  trim(shardId?: string): void {
    const horizon = this.#clock.now() - this.#retentionMs;
    for (const shard of shardId ? [this.#shard(shardId)] : this.#shards.values()) {
      let index = shard.head;
      while (
        index < shard.records.length &&
        (shard.records[index] as StoredRecord).approximateArrivalTimestamp < horizon
      ) {
        index += 1;
      }
      if (this.#readers.size > 0) {
        const consumed = [...this.#readers].map((reader) =>
          shard.indexAfter(reader.positionOf(shard.shardId)),
        );
        index = Math.max(index, Math.min(...consumed));
      }
      shard.dropThrough(index);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  #validateEntry(entry: PutRecordsRequestEntry, index: number) {
    const { PartitionKey: partitionKey, Data: data } = entry;
    if (
      typeof partitionKey !== 'string' ||
      partitionKey.length < 1 ||
      partitionKey.length > KINESIS_LIMITS.partitionKeyMaxLength
    ) {
      throw validationError(
        `1 validation error detected: Value at 'records.${index + 1}.member.partitionKey' failed to satisfy constraint: Member must have length between 1 and ${KINESIS_LIMITS.partitionKeyMaxLength}`,
      );
    }
    if (!(data instanceof Uint8Array)) {
      throw validationError(
        `1 validation error detected: Value null at 'records.${index + 1}.member.data' must not be null`,
      );
    }
    const sizeBytes = data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
    if (sizeBytes > this.#maxRecordBytes) {
      throw invalidArgument(
        `Record ${index} is ${sizeBytes} bytes (data plus partition key); the stream accepts at most ${this.#maxRecordBytes}`,
      );
    }
    let hashKey: bigint;
    if (entry.ExplicitHashKey === undefined) {
      hashKey = this.#hashKeyOf(partitionKey);
    } else {
      const explicit = parseExplicitHashKey(entry.ExplicitHashKey);
      if (explicit === undefined) throw invalidArgument(`Invalid ExplicitHashKey: ${entry.ExplicitHashKey}`);
      hashKey = explicit;
    }
    return { partitionKey, data, sizeBytes, hashKey };
  }

  #append(shard: Shard, entry: { partitionKey: string; data: Uint8Array; sizeBytes: number }, now: number) {
    this.#counter += 1n;
    const record: StoredRecord = {
      sequenceNumber: sequenceNumberFor(this.#counter),
      partitionKey: entry.partitionKey,
      // Copy: the caller may reuse its buffer after the call returns.
      data: new Uint8Array(entry.data),
      approximateArrivalTimestamp: now,
      sizeBytes: entry.sizeBytes,
    };
    shard.push(record);
    shard.lastSequenceNumber = record.sequenceNumber;
    if (this.#readers.size === 0) this.trim(shard.shardId);
    return record;
  }

  #route(hashKey: bigint): Shard {
    for (const shard of this.#shards.values()) {
      if (shard.open && rangeContains(shard.range, hashKey)) return shard;
    }
    throw new KinesisServiceError('InternalFailure', `no open shard owns hash key ${hashKey}`, 500);
  }

  #hashKeyOf(partitionKey: string): bigint {
    let hashKey = this.#hashKeys.get(partitionKey);
    if (hashKey === undefined) {
      if (this.#hashKeys.size >= HASH_KEY_CACHE_SIZE) this.#hashKeys.clear();
      hashKey = hashKeyOf(partitionKey);
      this.#hashKeys.set(partitionKey, hashKey);
    }
    return hashKey;
  }

  #createShard(range: HashKeyRange, parentShardId?: string, adjacentParentShardId?: string): Shard {
    this.#counter += 1n;
    const shard = new Shard(
      shardIdFor(this.#nextShardIndex),
      range,
      sequenceNumberFor(this.#counter),
      parentShardId,
      adjacentParentShardId,
    );
    this.#nextShardIndex += 1;
    this.#shards.set(shard.shardId, shard);
    return shard;
  }

  #close(shard: Shard): void {
    shard.endingSequenceNumber = shard.lastSequenceNumber ?? shard.startingSequenceNumber;
  }

  #shard(shardId: string): Shard {
    const shard = this.#shards.get(shardId);
    if (!shard)
      throw resourceNotFound(
        `Shard ${shardId} in stream ${this.name} under account ${this.#accountId} does not exist`,
      );
    return shard;
  }

  #openShard(shardId: string): Shard {
    const shard = this.#shard(shardId);
    if (!shard.open) throw resourceInUse(`Shard ${shardId} is closed and cannot be split or merged`);
    return shard;
  }

  #checkTarget(target: StreamTarget): void {
    if (target.StreamName !== undefined && target.StreamName !== this.name) {
      throw resourceNotFound(`Stream ${target.StreamName} under account ${this.#accountId} not found.`);
    }
    if (target.StreamARN !== undefined && target.StreamARN !== this.arn) {
      throw resourceNotFound(`Stream ${target.StreamARN} not found.`);
    }
  }

  #encodeIterator(shardId: string, position: Position): string {
    const token: IteratorToken = { stream: this.name, shardId, position, issuedAt: this.#clock.now() };
    return Buffer.from(JSON.stringify(token)).toString('base64url');
  }

  #decodeIterator(iterator: string): IteratorToken {
    let token: IteratorToken;
    try {
      token = JSON.parse(Buffer.from(iterator, 'base64url').toString('utf8')) as IteratorToken;
    } catch {
      throw invalidArgument('Invalid ShardIterator');
    }
    if (token.stream !== this.name) throw invalidArgument('ShardIterator belongs to another stream');
    if (this.#clock.now() - token.issuedAt > KINESIS_LIMITS.iteratorTtlMs) {
      throw expiredIterator(
        `Iterator expired. The iterator was created at time ${new Date(token.issuedAt).toISOString()}`,
      );
    }
    return token;
  }
}

/** The position just before `sequence`: every stored sequence number has the same width. */
const precedingPosition = (sequence: string): Position => {
  const value = BigInt(sequence);
  return value === 0n ? '' : (value - 1n).toString().padStart(sequence.length, '0');
};

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | { atTimestamp: number };

/**
 * A checkpointing reader over every shard of a stream, like a KCL worker or a Lambda event source
 * mapping: it hands out a child shard only once all of its parents are read to the end, so
 * per-partition-key order survives splits and merges. Records leave the hub once every reader has
 * checkpointed past them.
 */
export class StreamReader {
  readonly #positions = new Map<string, Position>();
  readonly #finished = new Set<string>();

  constructor(
    readonly stream: KinesisStream,
    readonly name: string,
    private readonly startingPosition: StartingPosition = 'TRIM_HORIZON',
  ) {
    for (const shardId of stream.shardIds()) {
      this.#positions.set(shardId, this.#initialPosition(shardId));
    }
    stream.attach(this);
  }

  /** Shards ready to read now: not yet finished, and every parent finished. */
  readableShards(): string[] {
    // Without splits or merges every shard is open and parentless: all are readable.
    if (!this.stream.resharded) return this.stream.shardIds();
    this.#discover();
    return this.stream.shardIds().filter((shardId) => {
      if (this.isFinished(shardId)) return false;
      const { ParentShardId, AdjacentParentShardId } = this.stream.describeShard(shardId);
      return [ParentShardId, AdjacentParentShardId].every((parent) => !parent || this.isFinished(parent));
    });
  }

  /** Unprocessed records of a shard, oldest first, without moving the checkpoint. */
  peek(shardId: string, limit: number, maxBytes?: number): StoredRecord[] {
    return this.stream.readAfter(shardId, this.positionOf(shardId), {
      limit,
      ...(maxBytes === undefined ? {} : { maxBytes }),
    });
  }

  /** Records everything up to and including `sequenceNumber` in the shard as processed. */
  checkpoint(shardId: string, sequenceNumber: string): void {
    if (sequenceNumber > this.positionOf(shardId)) this.#positions.set(shardId, sequenceNumber);
    this.stream.trim(shardId);
  }

  isFinished(shardId: string): boolean {
    if (this.#finished.has(shardId)) return true;
    if (!this.stream.shardIds().includes(shardId)) return true;
    if (this.stream.isShardEnded(shardId, this.positionOf(shardId))) {
      this.#finished.add(shardId);
      return true;
    }
    return false;
  }

  positionOf(shardId: string): Position {
    const known = this.#positions.get(shardId);
    if (known !== undefined) return known;
    // A shard created after the reader started (a split or merge child) is read from its start.
    this.#positions.set(shardId, '');
    return '';
  }

  /** Records waiting for this reader across all shards. */
  lag(): number {
    return this.stream
      .shardIds()
      .reduce((sum, shardId) => sum + this.stream.countAfter(shardId, this.positionOf(shardId)), 0);
  }

  /** Stops holding records in the hub on this reader's behalf. */
  close(): void {
    this.stream.detach(this);
    this.stream.trim();
  }

  #discover(): void {
    for (const shardId of this.stream.shardIds()) this.positionOf(shardId);
  }

  #initialPosition(shardId: string): Position {
    if (this.startingPosition === 'TRIM_HORIZON') return '';
    if (this.startingPosition === 'LATEST') return this.stream.latestPosition(shardId);
    return this.stream.positionBefore(shardId, this.startingPosition.atTimestamp);
  }
}
