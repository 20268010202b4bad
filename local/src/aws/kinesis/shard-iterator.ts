import type { GetShardIteratorInput } from './api';
import { expiredIterator, invalidArgument } from './errors';
import { KINESIS_LIMITS } from './limits';
import type { Position, Shard } from './Shard';

// A shard iterator: an opaque token naming a position in one shard, returned by GetShardIterator
// and by every GetRecords as NextShardIterator; it expires five minutes after it is returned.
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html

interface IteratorToken {
  stream: string;
  shardId: string;
  position: Position;
  issuedAt: number;
}

/** The position just before `sequence`: every stored sequence number has the same width. */
const precedingPosition = (sequence: string): Position => {
  const value = BigInt(sequence);
  return value === 0n ? '' : (value - 1n).toString().padStart(sequence.length, '0');
};

/** Where a new iterator of `input.ShardIteratorType` starts reading in `shard`. */
export const iteratorStartPosition = (shard: Shard, input: GetShardIteratorInput): Position => {
  switch (input.ShardIteratorType) {
    case 'TRIM_HORIZON':
      return '';
    case 'LATEST':
      return shard.latestPosition;
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER': {
      const sequence = input.StartingSequenceNumber;
      if (!sequence || !/^\d+$/.test(sequence)) throw invalidArgument('StartingSequenceNumber is required');
      return input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? sequence : precedingPosition(sequence);
    }
    case 'AT_TIMESTAMP':
      if (!input.Timestamp) throw invalidArgument('Timestamp is required for AT_TIMESTAMP');
      return shard.positionBefore(input.Timestamp.getTime());
    default:
      throw invalidArgument(`Unknown ShardIteratorType ${String(input.ShardIteratorType)}`);
  }
};

export const encodeShardIterator = (token: IteratorToken): string =>
  Buffer.from(JSON.stringify(token)).toString('base64url');

/** The token of an iterator of `stream`, or the error GetRecords answers for it at `now`. */
export const decodeShardIterator = (iterator: string, stream: string, now: number): IteratorToken => {
  let token: IteratorToken;
  try {
    token = JSON.parse(Buffer.from(iterator, 'base64url').toString('utf8')) as IteratorToken;
  } catch {
    throw invalidArgument('Invalid ShardIterator');
  }
  if (token.stream !== stream) throw invalidArgument('ShardIterator belongs to another stream');
  if (now - token.issuedAt > KINESIS_LIMITS.iteratorTtlMs) {
    throw expiredIterator(
      `Iterator expired. The iterator was created at time ${new Date(token.issuedAt).toISOString()}`,
    );
  }
  return token;
};
