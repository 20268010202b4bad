import { PARTITION_COLUMNS } from '../../src';
import { partitionProjection } from '../../src/serverless';

const lake = () => partitionProjection({ location: 's3://${IngestBucket}/raw/', dtRange: '2024-01-01,NOW' });
const firehoseErrors = () =>
  partitionProjection({
    location: 's3://${IngestBucket}/errors/',
    dtRange: '2024-01-01,NOW',
    comments: { dt: 'Date received, UTC, yyyy-MM-dd', hour: 'Hour received, UTC, HH' },
    enumsBefore: [
      {
        name: 'error_output_type',
        values: ['processing-failed', 'format-conversion-failed'],
        comment: 'type',
      },
    ],
  });

/** The `Fn::Sub` text of the location template (a `${!x}` is a literal `${x}` for Athena). */
const templateOf = ({ parameters }: ReturnType<typeof partitionProjection>) =>
  (parameters['storage.location.template'] as { 'Fn::Sub': string })['Fn::Sub'];

describe('dt/hour partition projection of a Glue table', () => {
  // https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html and
  // https://repost.aws/knowledge-center/athena-partition-projection: a projected table fails every
  // query (INVALID_TABLE_PROPERTY) when a partition column has no projection configuration, or
  // when storage.location.template has no placeholder for one of them.
  it.each([
    ['the lake', lake],
    ["Firehose's error output", firehoseErrors],
  ])('configures and places every partition key of %s', (_, build) => {
    const projection = build();
    expect(projection.parameters['projection.enabled']).toBe('true');
    for (const { Name } of projection.partitionKeys) {
      expect(projection.parameters).toHaveProperty([`projection.${Name}.type`]);
      expect(templateOf(projection)).toContain(`\${!${Name}}`);
    }
  });

  it('projects Hive-style dt=yyyy-MM-dd/hour=HH folders under the location, over the given days', () => {
    const projection = lake();
    expect(projection.parameters).toEqual({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': { 'Fn::Sub': 's3://${IngestBucket}/raw/dt=${!dt}/hour=${!hour}/' },
    });
    expect(partitionProjection({ location: 's3://b/', dtRange: 'NOW-90DAYS,NOW' }).parameters).toMatchObject({
      'projection.dt.range': 'NOW-90DAYS,NOW',
    });
  });

  it("keys the partitions as the lake's string columns unless the table says what its dates mean", () => {
    expect(lake().partitionKeys).toEqual(
      PARTITION_COLUMNS.map(({ name, glueType, comment }) => ({
        Name: name,
        Type: glueType,
        Comment: comment,
      })),
    );
    expect(firehoseErrors().partitionKeys.map(({ Name, Comment }) => [Name, Comment])).toEqual([
      ['error_output_type', 'type'],
      ['dt', 'Date received, UTC, yyyy-MM-dd'],
      ['hour', 'Hour received, UTC, HH'],
    ]);
  });

  // Firehose writes its failures under <ErrorOutputPrefix with !{firehose:error-output-type}>: the
  // type is a bare folder, not type=value (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html).
  it('lays an enum partition out as a bare folder before dt and hour, projecting its values', () => {
    const projection = firehoseErrors();
    expect(templateOf(projection)).toBe(
      's3://${IngestBucket}/errors/${!error_output_type}/dt=${!dt}/hour=${!hour}/',
    );
    expect(projection.parameters).toMatchObject({
      'projection.error_output_type.type': 'enum',
      'projection.error_output_type.values': 'processing-failed,format-conversion-failed',
    });
  });
});
