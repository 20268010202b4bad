import type { KinesisStream } from './KinesisStream';
import type { Position, StoredRecord } from './Shard';

// The consumer side of a stream. After a reshard a consumer reads each parent shard to its end
// before its children, as the KCL and Lambda's pollers do, so per-key order holds.
// https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html

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

  /** The first unprocessed record of a shard, if any: `peek(shardId, 1)[0]` without the array. */
  next(shardId: string): StoredRecord | undefined {
    return this.stream.firstAfter(shardId, this.positionOf(shardId));
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
