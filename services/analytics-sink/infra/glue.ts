import { partitionProjection, ref, sub } from '@pipeline/shared/serverless';
import { realtimeGlueColumns, realtimeTablePrefix } from '../src/domain/realtime-lake';
import { ALERT_TABLE, WINDOW_PART_TABLE } from '../src/domain/realtime-tables';
import { athenaViewTable } from '../src/domain/realtime-view';

/**
 * A real-time table as Glue sees it: gzip JSON Lines under `realtime/<table>/dt=/hour=/`, with
 * partition projection so Athena needs no crawler or MSCK REPAIR.
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 */
const realtimeGlueTable = (table: typeof WINDOW_PART_TABLE, description: string) => {
  const projection = partitionProjection({
    location: `s3://\${RealtimeBucket}/${realtimeTablePrefix(table)}`,
    // Windows may start a little ahead of the clock (maxFutureSkewSeconds): one day of headroom.
    dtRange: '2024-01-01,NOW+1DAYS',
    comments: { dt: 'Window start date, UTC, yyyy-MM-dd', hour: 'Window start hour, UTC, HH' },
  });
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: '${param:glueDatabaseName}',
      TableInput: {
        Name: table.name,
        Description: description,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'json', ...projection.parameters },
        PartitionKeys: projection.partitionKeys,
        StorageDescriptor: {
          Columns: realtimeGlueColumns(table),
          Location: sub(`s3://\${RealtimeBucket}/${realtimeTablePrefix(table)}`),
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          // Timestamps are written as `YYYY-MM-DD HH:MM:SS.sss`, the SerDe's default timestamp form.
          // https://docs.aws.amazon.com/athena/latest/ug/hive-json-serde.html
          SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
          Compressed: true,
        },
      },
    },
  };
};

/** The real-time tables and the merged-window view, for Athena on a stage without a warehouse. */
export const glueResources = {
  RealtimeWindowPartTable: realtimeGlueTable(
    WINDOW_PART_TABLE,
    'Real-time per-device window aggregates, one row per device, window and segment (analytics-sink)',
  ),
  RealtimeWindowView: athenaViewTable('${param:glueDatabaseName}'),
  RealtimeAlertTable: realtimeGlueTable(ALERT_TABLE, 'Real-time threshold alerts sent (analytics-sink)'),
};
