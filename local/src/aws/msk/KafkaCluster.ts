import type { Clock } from '../clock';
import { LOCAL_ENVIRONMENT, uuidFrom, type AwsEnvironment } from '../environment';

/**
 * Kafka's broker default `message.max.bytes` (1 MB plus record-batch overhead); MSK lets a cluster
 * raise it, and a topic's `max.message.bytes` may differ.
 * https://kafka.apache.org/documentation/#brokerconfigs_message.max.bytes
 */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export class KafkaError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export type Bytes = Uint8Array | string;

export interface ProducerRecord {
  key?: Bytes | null;
  value: Bytes | null;
  headers?: Record<string, Bytes>;
  partition?: number;
  /** CreateTime in epoch ms; default the clock's now. */
  timestamp?: number;
}

export interface StoredKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer][];
  sizeBytes: number;
}

interface Partition {
  records: StoredKafkaRecord[];
  /** Offset of records[0]. */
  baseOffset: number;
  nextOffset: number;
}

interface Topic {
  name: string;
  partitions: Partition[];
  maxMessageBytes: number;
  retentionMs: number;
  roundRobin: number;
}

const toBuffer = (bytes: Bytes | null | undefined): Buffer | null =>
  bytes === null || bytes === undefined
    ? null
    : typeof bytes === 'string'
      ? Buffer.from(bytes, 'utf8')
      : Buffer.from(bytes);

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), which the default partitioner
 * uses for keyed records: `toPositive(murmur2(key)) % partitions`.
 */
export const murmur2 = (data: Uint8Array): number => {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
};

export const defaultPartition = (key: Uint8Array, partitions: number): number =>
  (murmur2(key) & 0x7fffffff) % partitions;

export interface KafkaClusterOptions {
  clusterName: string;
  clock: Clock;
  environment?: AwsEnvironment;
  brokers?: number;
}

/**
 * A local Kafka cluster in the shape of an MSK cluster: topics with partitions and offsets, a
 * producer API with Kafka's default partitioner, and committed offsets per consumer group.
 * Records leave memory once every consumer group has committed past them (or after retention).
 */
export class KafkaCluster {
  readonly arn: string;
  readonly bootstrapServers: string;
  readonly #clock: Clock;
  readonly #topics = new Map<string, Topic>();
  readonly #groups = new Map<string, Map<string, number>>();

  constructor(options: KafkaClusterOptions) {
    const { region, accountId } = options.environment ?? LOCAL_ENVIRONMENT;
    const clusterId = uuidFrom('msk-cluster', options.clusterName);
    this.arn = `arn:aws:kafka:${region}:${accountId}:cluster/${options.clusterName}/${clusterId}-1`;
    const brokers = options.brokers ?? 3;
    const host = `${options.clusterName}.${clusterId.slice(0, 6)}.c2.kafka.${region}.amazonaws.com`;
    // 9098 is MSK's IAM-authenticated TLS listener.
    this.bootstrapServers = Array.from({ length: brokers }, (_, index) => `b-${index + 1}.${host}:9098`).join(
      ',',
    );
    this.#clock = options.clock;
  }

  createTopic(
    name: string,
    { partitions = 3, maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES, retentionHours = 168 } = {},
  ): void {
    if (this.#topics.has(name))
      throw new KafkaError('TopicExistsException', `Topic '${name}' already exists.`);
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new KafkaError('InvalidPartitionsException', 'partitions must be >= 1');
    this.#topics.set(name, {
      name,
      partitions: Array.from({ length: partitions }, () => ({ records: [], baseOffset: 0, nextOffset: 0 })),
      maxMessageBytes,
      retentionMs: retentionHours * 3600 * 1000,
      roundRobin: 0,
    });
  }

  partitionCount(topic: string): number {
    return this.#topic(topic).partitions.length;
  }

  /** Produces one record; keyed records go to `murmur2(key) % partitions`, unkeyed ones round-robin. */
  produce(topicName: string, record: ProducerRecord): { partition: number; offset: number } {
    const topic = this.#topic(topicName);
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    const headers = Object.entries(record.headers ?? {}).map(([name, bytes]): [string, Buffer] => [
      name,
      toBuffer(bytes) as Buffer,
    ]);
    const sizeBytes =
      (key?.byteLength ?? 0) +
      (value?.byteLength ?? 0) +
      headers.reduce((sum, [name, bytes]) => sum + Buffer.byteLength(name) + bytes.byteLength, 0);
    if (sizeBytes > topic.maxMessageBytes) {
      throw new KafkaError(
        'RecordTooLargeException',
        `The message is ${sizeBytes} bytes when serialized which is larger than the maximum request size you have configured (${topic.maxMessageBytes}).`,
      );
    }
    const partitionIndex =
      record.partition ??
      (key ? defaultPartition(key, topic.partitions.length) : topic.roundRobin++ % topic.partitions.length);
    const partition = topic.partitions[partitionIndex];
    if (!partition)
      throw new KafkaError(
        'UnknownTopicOrPartitionException',
        `${topicName}-${partitionIndex} does not exist`,
      );
    const offset = partition.nextOffset;
    partition.nextOffset += 1;
    partition.records.push({
      topic: topicName,
      partition: partitionIndex,
      offset,
      timestamp: record.timestamp ?? this.#clock.now(),
      key,
      value,
      headers,
      sizeBytes,
    });
    this.#trim(topicName, partitionIndex);
    return { partition: partitionIndex, offset };
  }

  /** Records of a partition from `offset` on, at most `limit`. */
  fetch(topicName: string, partition: number, offset: number, limit: number): StoredKafkaRecord[] {
    const log = this.#partition(topicName, partition);
    const start = Math.max(0, offset - log.baseOffset);
    return log.records.slice(start, start + limit);
  }

  /** The offset the next produced record of the partition will get (the log-end offset). */
  endOffset(topicName: string, partition: number): number {
    return this.#partition(topicName, partition).nextOffset;
  }

  /** The oldest offset still held (the log-start offset). */
  startOffset(topicName: string, partition: number): number {
    return this.#partition(topicName, partition).baseOffset;
  }

  /** The next offset the group will read, as committed (undefined before the first commit). */
  committed(group: string, topic: string, partition: number): number | undefined {
    return this.#groups.get(group)?.get(`${topic}-${partition}`);
  }

  commit(group: string, topic: string, partition: number, nextOffset: number): void {
    const offsets = this.#groups.get(group) ?? new Map<string, number>();
    this.#groups.set(group, offsets);
    offsets.set(`${topic}-${partition}`, nextOffset);
    this.#trim(topic, partition);
  }

  /** Registers a consumer group so records stay until it has committed past them. */
  joinGroup(group: string, topic: string, startAt: 'earliest' | 'latest'): void {
    if (this.#groups.has(group)) return;
    this.#groups.set(group, new Map());
    this.#topic(topic).partitions.forEach((log, partition) =>
      this.commit(group, topic, partition, startAt === 'earliest' ? log.baseOffset : log.nextOffset),
    );
  }

  /** Records held in memory across all topics. */
  heldRecordCount(): number {
    let count = 0;
    for (const topic of this.#topics.values())
      for (const log of topic.partitions) count += log.records.length;
    return count;
  }

  #trim(topicName: string, partition: number): void {
    const topic = this.#topic(topicName);
    const log = this.#partition(topicName, partition);
    const key = `${topicName}-${partition}`;
    const committed = [...this.#groups.values()]
      .map((offsets) => offsets.get(key))
      .filter((offset): offset is number => offset !== undefined);
    let keepFrom = committed.length > 0 ? Math.min(...committed) : log.baseOffset;
    const horizon = this.#clock.now() - topic.retentionMs;
    while (
      keepFrom < log.nextOffset &&
      (log.records[keepFrom - log.baseOffset] as StoredKafkaRecord).timestamp < horizon
    ) {
      keepFrom += 1;
    }
    if (keepFrom > log.baseOffset) {
      log.records.splice(0, keepFrom - log.baseOffset);
      log.baseOffset = keepFrom;
    }
  }

  #topic(name: string): Topic {
    const topic = this.#topics.get(name);
    if (!topic)
      throw new KafkaError(
        'UnknownTopicOrPartitionException',
        `This server does not host this topic-partition: ${name}`,
      );
    return topic;
  }

  #partition(topicName: string, partition: number): Partition {
    const log = this.#topic(topicName).partitions[partition];
    if (!log)
      throw new KafkaError('UnknownTopicOrPartitionException', `${topicName}-${partition} does not exist`);
    return log;
  }
}
