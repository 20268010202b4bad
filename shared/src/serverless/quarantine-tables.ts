import {
  QUARANTINE_COLUMNS,
  QUARANTINE_PRESTO_TYPES,
  QUARANTINE_VIEW,
  quarantineViewSelect,
  type QuarantineTable,
} from '../contracts/quarantine';
import { ref, sub } from './intrinsics';
import { partitionProjection } from './partition-projection';

/**
 * The Glue table over one source's quarantine objects (JSON lines as the hop wrote them), with
 * `dt`/`hour` partition projection; Firehose's error output type is one more (enum) partition.
 * `bucketLogicalId` names the bucket resource of the stack the table is in.
 */
export const quarantineGlueTable = (
  table: QuarantineTable,
  { database, bucketLogicalId }: { database: unknown; bucketLogicalId: string },
) => {
  const location = `s3://\${${bucketLogicalId}}/${table.prefix}`;
  const projection = partitionProjection({
    location,
    dtRange: '2024-01-01,NOW',
    comments: { dt: 'Date received, UTC, yyyy-MM-dd', hour: 'Hour received, UTC, HH' },
    enumsBefore: table.errorOutputTypes
      ? [
          {
            name: 'error_output_type',
            values: table.errorOutputTypes,
            comment: "Firehose's !{firehose:error-output-type}",
          },
        ]
      : [],
  });
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: database,
      TableInput: {
        Name: table.name,
        Description: table.description,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'json', ...projection.parameters },
        PartitionKeys: projection.partitionKeys,
        StorageDescriptor: {
          Columns: table.columns.map(({ name, glueType, comment }) => ({
            Name: name,
            Type: glueType,
            Comment: comment,
          })),
          Location: sub(location),
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          // Matches keys case-insensitively (Firehose spells a code errorCode, ErrorCode or
          // lastErrorCode by error type) and skips a line that is not JSON instead of failing the query.
          SerdeInfo: {
            SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            Parameters: { 'ignore.malformed.json': 'true' },
          },
          Compressed: false,
        },
      },
    },
  };
};

/**
 * The view `quarantine` as a Glue table: an Athena view is a `VIRTUAL_VIEW` whose
 * `ViewOriginalText` is `/* Presto View: <base64 JSON> *\/` (the SQL, the catalog and database it
 * resolves table names in, and the output columns with Trino types), as Athena's CREATE VIEW
 * stores it. https://docs.aws.amazon.com/athena/latest/ug/views.html
 */
export const quarantineGlueView = ({ database }: { database: string }) => {
  const definition = {
    originalSql: quarantineViewSelect(),
    catalog: 'awsdatacatalog',
    schema: database,
    columns: QUARANTINE_COLUMNS.map(({ name, glueType }) => ({
      name,
      type: QUARANTINE_PRESTO_TYPES[glueType],
    })),
    runAsInvoker: false,
  };
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: database,
      TableInput: {
        Name: QUARANTINE_VIEW,
        Description: 'Every rejected record: transform, Firehose, Kafka (msk-consumer) and IoT rule errors',
        TableType: 'VIRTUAL_VIEW',
        Parameters: { presto_view: 'true', comment: 'Presto View' },
        ViewOriginalText: {
          'Fn::Join': ['', ['/* Presto View: ', { 'Fn::Base64': JSON.stringify(definition) }, ' */']],
        },
        ViewExpandedText: '/* Presto View */',
        StorageDescriptor: {
          Columns: QUARANTINE_COLUMNS.map(({ name, glueType, comment }) => ({
            Name: name,
            Type: glueType,
            Comment: comment,
          })),
          SerdeInfo: {},
          Location: '',
        },
      },
    },
  };
};
