import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { BooksRange, MetricSpec, StageMetrics } from '@pipeline/shared/books';

/**
 * One-minute periods: CloudWatch keeps them for 15 days, and a range on whole minutes then sums
 * exactly. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention
 */
export const METRIC_PERIOD_SECONDS = 60;
/** GetMetricData takes at most 500 queries per request. */
const MAX_QUERIES = 500;

const dimensionsOf = (spec: MetricSpec) =>
  Object.entries(spec.dimensions).map(([Name, Value]) => ({ Name, Value }));

const quoted = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/**
 * GetMetricData for each page of results: `PartialData` comes with a `NextToken` for the rest,
 * `Forbidden` and `InternalError` fail the books rather than count zero.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataResult.html
 */
const results = async (
  client: CloudWatchClient,
  queries: MetricDataQuery[],
  range: BooksRange,
): Promise<MetricDataResult[]> => {
  const all: MetricDataResult[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(range.fromMs),
        EndTime: new Date(range.toMs),
        ScanBy: 'TimestampAscending',
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError')
        throw new Error(
          `GetMetricData ${result.Id ?? ''}: ${result.StatusCode} ${(result.Messages ?? []).map((m) => m.Value).join('; ')}`.trim(),
        );
      all.push(result);
    }
    token = page.NextToken;
  } while (token);
  return all;
};

const total = (values: readonly number[] | undefined) =>
  (values ?? []).reduce((sum, value) => sum + value, 0);

/** The books' metrics from CloudWatch: sums over the range of one-minute `Sum` datapoints. */
export const cloudWatchStageMetrics = (client: CloudWatchClient): StageMetrics => ({
  async sums(specs, range) {
    const sums: number[] = [];
    for (let start = 0; start < specs.length; start += MAX_QUERIES) {
      const batch = specs.slice(start, start + MAX_QUERIES);
      const queries = batch.map((spec, index): MetricDataQuery => ({
        Id: `m${start + index}`,
        MetricStat: {
          Metric: { Namespace: spec.namespace, MetricName: spec.name, Dimensions: dimensionsOf(spec) },
          Period: METRIC_PERIOD_SECONDS,
          Stat: 'Sum',
        },
        ReturnData: true,
      }));
      const byId = new Map<string, number>();
      for (const result of await results(client, queries, range))
        byId.set(result.Id ?? '', (byId.get(result.Id ?? '') ?? 0) + total(result.Values));
      sums.push(...queries.map(({ Id }) => byId.get(Id ?? '') ?? 0));
    }
    return sums;
  },

  // A search over the metric's dimension set with one more dimension returns one series per value;
  // the dynamic label names each by that value.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph-dynamic-labels.html
  async byDimension(spec, dimension, range) {
    const names = [...Object.keys(spec.dimensions), dimension].sort();
    const terms = [
      `MetricName=${quoted(spec.name)}`,
      ...Object.entries(spec.dimensions).map(([name, value]) => `${name}=${quoted(value)}`),
    ];
    const expression = `SEARCH('{${[spec.namespace, ...names].join(',')}} ${terms.join(' ')}', 'Sum', ${METRIC_PERIOD_SECONDS})`;
    const counts: Record<string, number> = {};
    for (const result of await results(
      client,
      [{ Id: 'search', Expression: expression, Label: `\${PROP('Dim.${dimension}')}`, ReturnData: true }],
      range,
    )) {
      const value = total(result.Values);
      const label = result.Label ?? '';
      if (value !== 0) counts[label] = (counts[label] ?? 0) + value;
    }
    return counts;
  },
});
