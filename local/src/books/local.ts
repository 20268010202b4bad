import type { StageResources, StageSources } from '@pipeline/shared/books';
import {
  engineLakeRowCounts,
  errorPrefixCounts,
  loadReports,
  reportManifests,
  type QueryEngine,
} from '@pipeline/report-runner';
import { LOCAL_RESOURCES } from '../cloud/layout';
import type { LocalCloud } from '../cloud/LocalCloud';
import { folderStore } from '../ops/local';

export const LOCAL_STAGE_RESOURCES: StageResources = {
  hubStreamName: LOCAL_RESOURCES.hubStream,
  deliveryStreamName: LOCAL_RESOURCES.deliveryStream,
};

const collect = async (keys: AsyncIterable<string>): Promise<string[]> => {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all;
};

/**
 * The books' sources in a local cloud, the same ones AWS keeps: the hub's and Firehose's metrics
 * from the simulators (`IncomingRecords`, `DataReadFromKinesisStream.Records`,
 * `DeliveryToS3.Records`), the functions' EMF from the local CloudWatch, the lake through DuckDB
 * with the SQL Athena runs, the error prefix and the run manifests from the folders.
 *
 * The local cloud's metrics are sums since it started, not time series: a local reconciliation
 * covers exactly the traffic of one local cloud session (`withLocalCloud`), and its range is that
 * session's simulated time. `lakeEngine` is DuckDB over the lake folder (its view is the Glue
 * table's name).
 */
export const localStageSources = (cloud: LocalCloud, lakeEngine: QueryEngine): StageSources => {
  const ingest = folderStore(cloud.store, LOCAL_RESOURCES.ingestBucket);
  const reports = folderStore(cloud.store, LOCAL_RESOURCES.reportsBucket);
  const awsMetric = (namespace: string, name: string, dimensions: Record<string, string>): number => {
    if (namespace === 'AWS/Kinesis' && name === 'IncomingRecords' && dimensions.StreamName === cloud.hub.name)
      return cloud.hub.incomingRecords;
    if (namespace === 'AWS/Firehose' && dimensions.DeliveryStreamName === cloud.firehose.name) {
      if (name === 'DataReadFromKinesisStream.Records') return cloud.firehose.stats.recordsRead;
      if (name === 'DeliveryToS3.Records') return cloud.firehose.stats.delivered;
    }
    throw new Error(`the local cloud keeps no ${namespace} ${name} ${JSON.stringify(dimensions)}`);
  };
  return {
    metrics: {
      sums: async (specs) =>
        specs.map(({ namespace, name, dimensions }) => {
          if (namespace !== 'IngestionPipeline') return awsMetric(namespace, name, dimensions);
          const { service = '', ...rest } = dimensions;
          return cloud.recorder.sum(service, name, rest);
        }),
      byDimension: async ({ name, dimensions }, dimension) =>
        cloud.recorder.byDimension(dimensions.service ?? '', name, dimension),
    },
    lake: engineLakeRowCounts(lakeEngine, LOCAL_RESOURCES.glueTable),
    quarantine: errorPrefixCounts({
      list: (prefix) => collect(ingest.keys(prefix)),
      read: (key) => ingest.get(key),
    }),
    reports: reportManifests(
      reports,
      loadReports().map((report) => report.name),
    ),
  };
};
