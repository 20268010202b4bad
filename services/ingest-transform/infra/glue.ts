import { glueColumns, quarantineTable } from '@pipeline/shared';
import { REGISTRY_PREFIX, registryGlueColumns } from '@pipeline/shared/registry';
import { partitionProjection, quarantineGlueTable, ref, sub } from '@pipeline/shared/serverless';
import { ifParquet, TIMESTAMP_FORMAT } from './lake-format';

const lakeLocation = 's3://${IngestBucket}/raw/';
const lakeProjection = partitionProjection({
  location: lakeLocation,
  // dt is the event's date, and a reading may be timed up to maxFutureSkewSeconds (at most a day)
  // ahead of the clock, so near midnight UTC it lands in tomorrow's folder. Athena generates no
  // date after the range's end, so `NOW` would hide it from every query until midnight.
  // https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html
  dtRange: '2024-01-01,NOW+1DAYS',
});

/** The lake's Glue database and tables: the lake, the quarantine's sources here, the registry. */
export const glue = {
  GlueDatabase: {
    Type: 'AWS::Glue::Database',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseInput: { Name: '${self:custom.glueDatabaseName}', Description: 'Telemetry lake' },
    },
  },
  GlueTable: {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: ref('GlueDatabase'),
      TableInput: {
        Name: '${self:custom.glueTableName}',
        Description: 'Canonical telemetry records written by Firehose, partitioned by event hour (UTC)',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: ifParquet('parquet', 'json'), ...lakeProjection.parameters },
        PartitionKeys: lakeProjection.partitionKeys,
        StorageDescriptor: {
          Columns: glueColumns(),
          Location: sub(lakeLocation),
          InputFormat: ifParquet(
            'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            'org.apache.hadoop.mapred.TextInputFormat',
          ),
          OutputFormat: ifParquet(
            'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          ),
          SerdeInfo: ifParquet(
            { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
            {
              SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe',
              Parameters: { 'timestamp.formats': TIMESTAMP_FORMAT },
            },
          ),
          Compressed: ifParquet(false, true),
        },
      },
    },
  },

  // The quarantine's tables over this bucket (shared/src/contracts/quarantine.ts); msk-consumer
  // adds the Kafka one and the view `quarantine` over all of them.
  QuarantineTransformTable: quarantineGlueTable(quarantineTable('transform'), {
    database: ref('GlueDatabase'),
    bucketLogicalId: 'IngestBucket',
  }),
  QuarantineFirehoseTable: quarantineGlueTable(quarantineTable('firehose'), {
    database: ref('GlueDatabase'),
    bucketLogicalId: 'IngestBucket',
  }),
  QuarantineIotTable: quarantineGlueTable(quarantineTable('iot'), {
    database: ref('GlueDatabase'),
    bucketLogicalId: 'IngestBucket',
  }),

  // The device registry for Athena reports to join (per owner, per model, registered but silent).
  RegistryTable: {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: ref('GlueDatabase'),
      TableInput: {
        Name: '${self:custom.registryTableName}',
        Description: 'Device registry (JSON Lines, one device per line), maintained with npm run registry',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'json' },
        StorageDescriptor: {
          Columns: registryGlueColumns(),
          Location: sub(`s3://\${IngestBucket}/${REGISTRY_PREFIX}`),
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
          Compressed: false,
        },
      },
    },
  },
};
