import { DEFAULT_EVENT_TIME_POLICY, partitionKeysFor, type PartitionKeys } from '@pipeline/shared';
import type { BooksRange, LakeRowCounts } from '@pipeline/shared/books';
import type { QueryEngine } from '../domain/ports';

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** `YYYY-MM-DD HH:MM:SS.sss`, the UTC literal both Athena and DuckDB cast to `timestamp`. */
const timestampLiteral = (epochMs: number) => new Date(epochMs).toISOString().replace('T', ' ').slice(0, 23);

/**
 * Lake rows by `ingest_time` (the hub arrival), through the report engine: Athena over the Glue
 * table in AWS, DuckDB over the lake folder locally, with the same SQL.
 *
 * The lake is partitioned by event time, which the transform accepts from `maxEventAgeMs` before
 * arrival to `maxFutureSkewMs` after it, so the `dt` predicate covers exactly the days a row of the
 * range can be in and Athena prunes every other partition. Parameters stay in WHERE: Athena takes
 * `?` nowhere else. https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
 */
export const engineLakeRowCounts = (
  engine: QueryEngine,
  table: string,
  policy = DEFAULT_EVENT_TIME_POLICY,
): LakeRowCounts => ({
  async count(range: BooksRange) {
    const { rows } = await engine.run({
      name: 'books-lake',
      sql:
        `SELECT source, dt, hour, count(*) AS records FROM ${quoted(table)} ` +
        'WHERE dt BETWEEN ? AND ? ' +
        'AND ingest_time >= CAST(? AS timestamp) AND ingest_time < CAST(? AS timestamp) ' +
        'GROUP BY source, dt, hour ORDER BY dt, hour',
      parameters: [
        partitionKeysFor(range.fromMs - policy.maxEventAgeMs).dt,
        partitionKeysFor(range.toMs + policy.maxFutureSkewMs).dt,
        timestampLiteral(range.fromMs),
        timestampLiteral(range.toMs),
      ],
    });
    const counts = { devices: 0, kafka: 0, partitions: [] as PartitionKeys[] };
    const seen = new Set<string>();
    for (const row of rows) {
      const records = Number(row.records);
      if (row.source === 'msk') counts.kafka += records;
      else counts.devices += records;
      const partition = { dt: String(row.dt), hour: String(row.hour) };
      if (seen.has(`${partition.dt}/${partition.hour}`)) continue;
      seen.add(`${partition.dt}/${partition.hour}`);
      counts.partitions.push(partition);
    }
    return counts;
  },
});
