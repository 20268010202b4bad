import { arn, logGroup, ref } from '@pipeline/shared/serverless';
import { ifParquet, TIMESTAMP_FORMAT } from './lake-format';

/** Where Firehose logs its delivery errors. */
export const deliveryLogs = {
  DeliveryLogGroup: logGroup(
    '/aws/kinesisfirehose/${self:custom.deliveryStreamName}',
    '${param:logRetentionInDays}',
  ),
  DeliveryLogStream: {
    Type: 'AWS::Logs::LogStream',
    Properties: { LogGroupName: ref('DeliveryLogGroup'), LogStreamName: 'DestinationDelivery' },
  },
};

/** Firehose: reads the hub, runs the transform, writes the lake partitioned by event hour. */
export const deliveryStream = {
  DeliveryStream: {
    Type: 'AWS::KinesisFirehose::DeliveryStream',
    Properties: {
      DeliveryStreamName: '${self:custom.deliveryStreamName}',
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: arn('HubStream'),
        RoleARN: arn('FirehoseRole'),
      },
      ExtendedS3DestinationConfiguration: {
        BucketARN: arn('IngestBucket'),
        RoleARN: arn('FirehoseRole'),
        // Partition keys come from the transform's metadata.partitionKeys (event time, UTC).
        Prefix: 'raw/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/',
        ErrorOutputPrefix:
          'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/',
        BufferingHints: {
          SizeInMBs: '${param:s3BufferSizeMB}',
          IntervalInSeconds: '${param:s3BufferIntervalSeconds}',
        },
        // Parquet conversion applies Snappy itself; the JSON alternative is gzipped by Firehose.
        CompressionFormat: ifParquet('UNCOMPRESSED', 'GZIP'),
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'Lambda',
              Parameters: [
                { ParameterName: 'LambdaArn', ParameterValue: arn('TransformLambdaFunction') },
                { ParameterName: 'NumberOfRetries', ParameterValue: '${param:processorRetries}' },
                { ParameterName: 'BufferSizeInMBs', ParameterValue: '${param:processorBufferSizeMB}' },
                {
                  ParameterName: 'BufferIntervalInSeconds',
                  ParameterValue: '${param:processorBufferIntervalSeconds}',
                },
              ],
            },
          ],
        },
        DataFormatConversionConfiguration: ifParquet(
          {
            Enabled: true,
            InputFormatConfiguration: {
              Deserializer: { HiveJsonSerDe: { TimestampFormats: [TIMESTAMP_FORMAT] } },
            },
            OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
            SchemaConfiguration: {
              CatalogId: ref('AWS::AccountId'),
              DatabaseName: ref('GlueDatabase'),
              TableName: ref('GlueTable'),
              Region: ref('AWS::Region'),
              RoleARN: arn('FirehoseRole'),
              VersionId: 'LATEST',
            },
          },
          ref('AWS::NoValue'),
        ),
        CloudWatchLoggingOptions: {
          Enabled: true,
          LogGroupName: ref('DeliveryLogGroup'),
          LogStreamName: ref('DeliveryLogStream'),
        },
      },
    },
  },
};
