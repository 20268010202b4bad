/**
 * The cost model of docs/OPERATIONS.md ("Cost per million events") as code: the table there is
 * rendered by {@link renderCostTable} (a unit test compares them) and `npm run preflight` prints the
 * figures for a stage's settings. Prices are us-east-1 list prices as the doc states them (not a
 * quote; check https://aws.amazon.com/pricing/ before relying on a figure).
 */

const GiB = 1024 ** 3;
const KiB = 1024;
const HOURS_PER_MONTH = 730;

/** List prices in USD, as docs/OPERATIONS.md lists them. */
export const PRICES = {
  kinesisOnDemandStreamHour: 0.04,
  kinesisOnDemandWritePerGiB: 0.08,
  kinesisOnDemandReadPerGiB: 0.04,
  kinesisOnDemandEfoReadPerGiB: 0.05,
  kinesisShardHour: 0.015,
  kinesisPutUnitsPerMillion: 0.014,
  kinesisEfoConsumerShardHour: 0.015,
  kinesisEfoReadPerGiB: 0.013,
  firehoseIngestPerGiB: 0.029,
  firehoseConversionPerGiB: 0.018,
  firehosePartitioningPerGiB: 0.02,
  firehosePartitioningPer1000Objects: 0.005,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  s3GbMonth: 0.023,
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  athenaPerTB: 5,
  redshiftRpuHour: 0.375,
  iotMessagesPerMillion: 1,
  iotRulesPerMillion: 0.15,
  iotActionsPerMillion: 0.15,
} as const;

/** The workload the table assumes (docs/OPERATIONS.md "Assumptions"). */
export interface Workload {
  /** Events per hour (time-based charges are divided by it). */
  eventsPerHour: number;
  /** Bytes per hub record. */
  recordBytes: number;
  /** Bytes per record in the Parquet lake. */
  lakeBytesPerRecord: number;
  /** Share of events arriving through MSK. */
  kafkaShare: number;
}

export const DEFAULT_WORKLOAD: Workload = {
  eventsPerHour: 1_000_000,
  recordBytes: 300,
  lakeBytesPerRecord: 60,
  kafkaShare: 0.25,
};

/** The deployment choices that change the cost. */
export interface CostSettings {
  streamMode: 'ON_DEMAND' | 'PROVISIONED';
  shardCount: number;
  /** Redshift Serverless base RPUs when the pipeline writes to one; undefined: no Redshift. */
  redshiftRpu?: number;
  iotRule: boolean;
}

export interface CostItem {
  item: string;
  /** USD per million events; per month kept for storage. */
  usd: number;
  how: string;
  /** Storage, billed per month kept. */
  perMonth?: boolean;
  /** Not in the subtotal (a choice: the warehouse, IoT Core). */
  optional?: boolean;
}

const E = 1_000_000;
const money = (usd: number): string => (usd >= 0.01 ? `$${usd.toFixed(3)}` : `$${usd.toPrecision(1)}`);
const gib = (bytes: number): string => `${(bytes / GiB).toFixed(2)} GiB`;
const lambda = (gbSeconds: number, invocations: number): number =>
  gbSeconds * PRICES.lambdaArmGbSecond + (invocations * PRICES.lambdaRequestsPerMillion) / 1e6;

/** The items of the table for one million events. */
export const costItems = (settings: CostSettings, workload: Workload = DEFAULT_WORKLOAD): CostItem[] => {
  const hours = E / workload.eventsPerHour;
  const read = E * workload.recordBytes;
  const written = E * Math.ceil(workload.recordBytes / KiB) * KiB;
  const hub: CostItem =
    settings.streamMode === 'ON_DEMAND'
      ? {
          item: 'Kinesis hub, on-demand',
          usd:
            (written / GiB) * PRICES.kinesisOnDemandWritePerGiB +
            (read / GiB) * (PRICES.kinesisOnDemandReadPerGiB + PRICES.kinesisOnDemandEfoReadPerGiB) +
            PRICES.kinesisOnDemandStreamHour * hours,
          how: `${gib(written)} written (1 KB per record) ${money((written / GiB) * PRICES.kinesisOnDemandWritePerGiB)}, Firehose reads ${gib(read)} ${money((read / GiB) * PRICES.kinesisOnDemandReadPerGiB)}, sink (EFO) reads ${money((read / GiB) * PRICES.kinesisOnDemandEfoReadPerGiB)}, ${hours} stream-hour ${money(PRICES.kinesisOnDemandStreamHour * hours)}`,
        }
      : {
          item: `Kinesis hub, provisioned (${settings.shardCount} shards)`,
          usd:
            settings.shardCount * PRICES.kinesisShardHour * hours +
            Math.ceil(workload.recordBytes / (25 * KiB)) * PRICES.kinesisPutUnitsPerMillion +
            settings.shardCount * PRICES.kinesisEfoConsumerShardHour * hours +
            (read / GiB) * PRICES.kinesisEfoReadPerGiB,
          how: `${settings.shardCount * hours} shard-hours ${money(settings.shardCount * PRICES.kinesisShardHour * hours)}, 1M PUT payload units ${money(PRICES.kinesisPutUnitsPerMillion)}, EFO ${settings.shardCount * hours} consumer-shard-hours ${money(settings.shardCount * PRICES.kinesisEfoConsumerShardHour * hours)} and ${gib(read)} ${money((read / GiB) * PRICES.kinesisEfoReadPerGiB)}`,
        };
  const firehoseBilled = E * Math.ceil(workload.recordBytes / (5 * KiB)) * 5 * KiB;
  const firehoseObjects = 24;
  const lakeBytes = E * workload.lakeBytesPerRecord;
  const kafkaEvents = E * workload.kafkaShare;
  const iotEvents = E - kafkaEvents;
  const athenaBytes = 1.2e9 + 0.12e9;
  const items: CostItem[] = [
    hub,
    {
      item: 'Firehose',
      usd:
        (firehoseBilled / GiB) *
          (PRICES.firehoseIngestPerGiB +
            PRICES.firehoseConversionPerGiB +
            PRICES.firehosePartitioningPerGiB) +
        (firehoseObjects * PRICES.firehosePartitioningPer1000Objects) / 1000,
      how: `${gib(firehoseBilled)} billed (1M records × 5 KB): ingestion ${money((firehoseBilled / GiB) * PRICES.firehoseIngestPerGiB)}, Parquet conversion ${money((firehoseBilled / GiB) * PRICES.firehoseConversionPerGiB)}, dynamic partitioning ${money((firehoseBilled / GiB) * PRICES.firehosePartitioningPerGiB)} (assumed on the same volume), ${firehoseObjects} objects ${money((firehoseObjects * PRICES.firehosePartitioningPer1000Objects) / 1000)}`,
    },
    {
      item: 'Lambda ingest-transform (1 GB)',
      usd: lambda(35, 300),
      how: 'about 35 µs per record (the measured 17 µs of `bench:transform`, doubled for ~0.6 vCPU at 1 GB arm64): 35 GB-s; ~300 invocations',
    },
    {
      item: 'Lambda msk-consumer (512 MB)',
      usd: lambda(10, 500),
      how: `${kafkaEvents / 1000}k records in 500 batches of 500, ~40 ms each: 10 GB-s`,
    },
    {
      item: 'Lambda analytics-sink (1 GB)',
      usd: lambda(31, 1560),
      how: `5 s batching window (\`batchingWindowSeconds\`): one invocation per 5 s per shard plus one final invocation per window, ~1,560 per hour, ~20 ms each (decoding the window state): 31 GB-s ${money(31 * PRICES.lambdaArmGbSecond)} + ${money((1560 * PRICES.lambdaRequestsPerMillion) / 1e6)} requests. Without the window (one invocation per push, ~5 per second per shard): $0.029`,
    },
    {
      item: 'Lambda report-runner (512 MB)',
      usd: lambda(42, 12),
      how: '12 runs per hour (one per lake object), ~7 s each (6 Athena queries, 4 at a time, mostly waiting): 42 GB-s',
    },
    {
      item: 'S3 requests',
      usd: (240 * PRICES.s3PutPer1000) / 1000 + (1000 * PRICES.s3GetPer1000) / 1000,
      how: '~240 PUTs (24 Firehose objects, 144 report outputs and manifests, 72 Athena results) and ~1,000 GETs (Athena reading Parquet, and the registry object 12 times)',
    },
    {
      item: 'S3 storage',
      usd: (lakeBytes / 1e9) * PRICES.s3GbMonth,
      perMonth: true,
      how: `${lakeBytes / 1e6} MB of Parquet per million events (Intelligent-Tiering after 30 days); error objects expire after 30 days`,
    },
    {
      item: 'Athena',
      usd: (athenaBytes / 1e12) * PRICES.athenaPerTB,
      how: '72 queries per hour (12 runs × 6 reports); the n-th run of an hour reads n/12 of it: ~20 MB each on average (~60% of the columns) for five reports: 1.2 GB; `silent_devices` reads only `device_id`, billed at the 10 MB minimum: 0.12 GB',
    },
  ];
  if (settings.redshiftRpu !== undefined) {
    items.push({
      item: `Redshift Serverless (${settings.redshiftRpu} RPU base)`,
      usd: settings.redshiftRpu * PRICES.redshiftRpuHour * hours,
      optional: true,
      how: `never idle: analytics-sink writes a window every 60 s per shard, so the workgroup runs ${settings.redshiftRpu} RPU × ${hours} h. 4 RPU (the smallest base): ${money(4 * PRICES.redshiftRpuHour * hours)}`,
    });
  }
  if (settings.iotRule) {
    const iot =
      (iotEvents * (PRICES.iotMessagesPerMillion + PRICES.iotRulesPerMillion + PRICES.iotActionsPerMillion)) /
      1e6;
    items.push({
      item: 'AWS IoT Core, if devices publish to it',
      usd: iot,
      optional: true,
      how: `the ${100 - workload.kafkaShare * 100}% of events not on Kafka: messages ${money((iotEvents * PRICES.iotMessagesPerMillion) / 1e6)}, rule ${money((iotEvents * PRICES.iotRulesPerMillion) / 1e6)}, Kinesis action ${money((iotEvents * PRICES.iotActionsPerMillion) / 1e6)}`,
    });
  }
  return items;
};

/** The per-event subtotal: every item that is not a choice, storage included for one month. */
export const subtotal = (items: readonly CostItem[]): number =>
  items.filter(({ optional }) => !optional).reduce((sum, { usd }) => sum + usd, 0);

/**
 * What the pipeline costs per month while no event flows: the hub's stream or shard hours and the
 * enhanced fan-out consumer's shard hours (provisioned). Lambda, Firehose, Athena, IoT Core and
 * Redshift Serverless compute bill per use; stored data and CloudWatch alarms come on top.
 */
export const idleCostPerMonth = (settings: CostSettings): number =>
  settings.streamMode === 'ON_DEMAND'
    ? PRICES.kinesisOnDemandStreamHour * HOURS_PER_MONTH
    : settings.shardCount * (PRICES.kinesisShardHour + PRICES.kinesisEfoConsumerShardHour) * HOURS_PER_MONTH;

/** The settings of the table in docs/OPERATIONS.md: both hub modes, 8 RPU Redshift, IoT Core. */
export const DOCUMENTED_SETTINGS: CostSettings = {
  streamMode: 'ON_DEMAND',
  shardCount: 2,
  redshiftRpu: 8,
  iotRule: true,
};

/** The rows of the doc's table: item, per 1M events, how. */
export const costTableRows = (): [string, string, string][] => {
  const onDemand = costItems(DOCUMENTED_SETTINGS);
  const provisioned = costItems({ ...DOCUMENTED_SETTINGS, streamMode: 'PROVISIONED' });
  const [hub, ...rest] = onDemand;
  const row = ({ item, usd, how, perMonth }: CostItem): [string, string, string] => [
    item,
    `${money(usd)}${perMonth ? '/month' : ''}`,
    how,
  ];
  const common = rest.filter(({ optional }) => !optional);
  return [
    row(hub as CostItem),
    row(provisioned[0] as CostItem),
    ...common.map(row),
    ['**subtotal (on-demand hub)**', `**~$${subtotal(onDemand).toFixed(2)}**`, ''],
    ...rest.filter(({ optional }) => optional).map(row),
  ];
};

/** The table as Markdown (Prettier aligns it; compare cells, not spaces). */
export const renderCostTable = (): string =>
  [
    '| item | per 1M events | how |',
    '| --- | ---: | --- |',
    ...costTableRows().map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');

export const formatUsd = money;
