import type { Clock } from '../clock';
import { LOCAL_ENVIRONMENT, type AwsEnvironment } from '../environment';
import type {
  GetRecordsOutput,
  GetShardIteratorInput,
  PutRecordInput,
  PutRecordOutput,
  PutRecordsInput,
  PutRecordsOutput,
  PutRecordsResultEntry,
  ShardDescription,
  StreamTarget,
} from './api';
import {
  invalidArgument,
  KinesisServiceError,
  resourceInUse,
  resourceNotFound,
  throughputExceeded,
  validationError,
} from './errors';
import {
  cachedHashKeyOf,
  evenHashKeyRanges,
  parseExplicitHashKey,
  rangeContains,
  type HashKeyRange,
} from './hash-key';
import { KINESIS_LIMITS } from './limits';
import { validatePutRecordsRequest, type ValidatedEntry } from './put-records';
import {
  sequenceNumberFor,
  Shard,
  shardIdFor,
  type Position,
  type ShardWriteLimits,
  type StoredRecord,
  type UnreadSummary,
} from './Shard';
import { decodeShardIterator, encodeShardIterator, iteratorStartPosition } from './shard-iterator';
import type { StreamReader } from './StreamReader';

// A Kinesis data stream in provisioned mode: a named set of shards that routes each record by the
// MD5 hash of its partition key, keeps records for the retention period, and is resharded by
// SplitShard and MergeShards.
// https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html

// local/src/cloud and its tests import these from this module.
export { KINESIS_LIMITS } from './limits';
export type { PutRecordsRequestEntry } from './api';
export { StreamReader } from './StreamReader';

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
  /** 24-8760 hours, default 24. */
  retentionHours?: number;
  /** Per-shard write limits; override only to model a different quota. */
  writeLimits?: ShardWriteLimits;
  faults?: EntryFaultInjector;
}

const HASH_KEY_CACHE_SIZE = 100_000;

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
  readonly #writeLimits: ShardWriteLimits;
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
  readonly #hashKeyOf = cachedHashKeyOf(HASH_KEY_CACHE_SIZE);

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
    const retentionHours = options.retentionHours ?? KINESIS_LIMITS.retentionHours.default;
    const { min, max } = KINESIS_LIMITS.retentionHours;
    if (!Number.isInteger(retentionHours) || retentionHours < min || retentionHours > max) {
      throw invalidArgument(
        `RetentionPeriodHours must be an integer from ${min} to ${max}, got ${retentionHours}`,
      );
    }
    this.name = options.name;
    this.arn = `arn:aws:kinesis:${environment.region}:${environment.accountId}:stream/${options.name}`;
    this.#accountId = environment.accountId;
    this.#clock = options.clock;
    this.#maxRecordBytes = maxRecordBytes;
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
    const validated = validatePutRecordsRequest(input.Records ?? [], {
      maxRecordBytes: this.#maxRecordBytes,
      hashKeyOf: this.#hashKeyOf,
    });
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
      explicitHashKey === undefined ? this.#hashKeyOf(partitionKey) : parseExplicitHashKey(explicitHashKey);
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
    parent.close();
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
    shard.close();
    adjacent.close();
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
    const position = iteratorStartPosition(shard, input);
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
    const now = this.#clock.now();
    const token = decodeShardIterator(input.ShardIterator, this.name, now);
    const shard = this.#shard(token.shardId);
    // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html: "Each shard can
    // support up to five read transactions per second."
    if (!shard.admitRead(now, KINESIS_LIMITS.shardReadTransactionsPerSecond)) {
      throw throughputExceeded(
        `Rate exceeded for Shard - ${shard.shardId} in stream ${this.name} under account ${this.#accountId}.`,
      );
    }
    const records = shard.readAfter(token.position, { limit, maxBytes: KINESIS_LIMITS.getRecordsMaxBytes });
    const position = records.at(-1)?.sequenceNumber ?? token.position;
    const ended = shard.isEndedAfter(position);
    const next = shard.firstAfter(position);
    return {
      Records: records.map((record) => ({
        SequenceNumber: record.sequenceNumber,
        ApproximateArrivalTimestamp: new Date(record.approximateArrivalTimestamp),
        Data: record.data,
        PartitionKey: record.partitionKey,
        EncryptionType: 'KMS',
      })),
      ...(ended ? {} : { NextShardIterator: this.#encodeIterator(shard.shardId, position) }),
      MillisBehindLatest: next ? Math.max(0, now - next.approximateArrivalTimestamp) : 0,
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
  readAfter(
    shardId: string,
    position: Position,
    options: { limit: number; maxBytes?: number },
  ): StoredRecord[] {
    return this.#shard(shardId).readAfter(position, options);
  }

  /** How many held records of a shard lie after `position`. */
  countAfter(shardId: string, position: Position): number {
    return this.#shard(shardId).countAfter(position);
  }

  /** Data bytes (without partition keys) of the held records of a shard after `position`. */
  dataBytesAfter(shardId: string, position: Position): number {
    return this.#shard(shardId).dataBytesAfter(position);
  }

  /** How many held records of a shard lie after `position`, their data bytes and the first one's arrival. */
  unreadAfter(shardId: string, position: Position): UnreadSummary {
    return this.#shard(shardId).unreadAfter(position);
  }

  /** The first held record of a shard after `position`, if any. */
  firstAfter(shardId: string, position: Position): StoredRecord | undefined {
    return this.#shard(shardId).firstAfter(position);
  }

  /** Arrival time of the first held record of a shard after `position`, if any. */
  firstArrivalAfter(shardId: string, position: Position): number | undefined {
    return this.#shard(shardId).firstAfter(position)?.approximateArrivalTimestamp;
  }

  /** True when the shard is closed and nothing is left after `position`. */
  isShardEnded(shardId: string, position: Position): boolean {
    return this.#shard(shardId).isEndedAfter(position);
  }

  /** The position just before the first record that arrived at or after `timestamp`. */
  positionBefore(shardId: string, timestamp: number): Position {
    return this.#shard(shardId).positionBefore(timestamp);
  }

  /** Position a reader starting at LATEST takes in a shard. */
  latestPosition(shardId: string): Position {
    return this.#shard(shardId).latestPosition;
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
      let index = shard.indexArrivedFrom(horizon);
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

  #append(shard: Shard, entry: ValidatedEntry, now: number): StoredRecord {
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
    if (this.#readers.size === 0) this.trim(shard.shardId);
    return record;
  }

  #route(hashKey: bigint): Shard {
    for (const shard of this.#shards.values()) {
      if (shard.open && rangeContains(shard.range, hashKey)) return shard;
    }
    throw new KinesisServiceError('InternalFailure', `no open shard owns hash key ${hashKey}`, 500);
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
    return encodeShardIterator({ stream: this.name, shardId, position, issuedAt: this.#clock.now() });
  }
}
