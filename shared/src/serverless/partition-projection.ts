import { PARTITION_COLUMNS } from '../telemetry/canonical-record';
import { sub } from './intrinsics';

/** A Glue table's `PartitionKeys` entry. */
export interface GluePartitionKey {
  Name: string;
  Type: string;
  Comment: string;
}

/** A partition of a fixed set of values, each one folder named after the value itself. */
export interface EnumPartition {
  name: string;
  values: readonly string[];
  comment: string;
}

/** Options of {@link partitionProjection}. */
export interface PartitionProjectionOptions {
  /** The table's root, a `Fn::Sub` template ending in `/`: `s3://${IngestBucket}/raw/`. */
  location: string;
  /**
   * `projection.dt.range`: the first and last day Athena lists, each a `yyyy-MM-dd` date or
   * relative to the query's time (`NOW`, `NOW-90DAYS`, `NOW+1DAYS`).
   */
  dtRange: string;
  /** What the table's dt and hour mean (the keys' comments); by default the lake's, event time. */
  comments?: Record<PartitionColumn, string>;
  /** Partitions before dt and hour, e.g. Firehose's `!{firehose:error-output-type}/` folder. */
  enumsBefore?: readonly EnumPartition[];
}

type PartitionColumn = (typeof PARTITION_COLUMNS)[number]['name'];

const lakeComments = Object.fromEntries(
  PARTITION_COLUMNS.map(({ name, comment }) => [name, comment]),
) as Record<PartitionColumn, string>;

/**
 * Partition projection of a table laid out `[<enum>/...]dt=yyyy-MM-dd/hour=HH/` under its
 * location, as every table of the pipeline is (Firehose's and the hops' UTC hour folders): the
 * Glue table `Parameters` entries (after the table's own `classification`) and its `PartitionKeys`.
 * Athena computes the partitions from these, with no crawler or MSCK REPAIR. The keys, their
 * projections and the location template come from one list, since Athena fails every query of a
 * table whose partition column lacks either (INVALID_TABLE_PROPERTY).
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html
 */
export const partitionProjection = ({
  location,
  dtRange,
  comments = lakeComments,
  enumsBefore = [],
}: PartitionProjectionOptions) => {
  const enumFolders = enumsBefore.map(({ name }) => `\${!${name}}/`).join('');
  const parameters: Record<string, unknown> = {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': dtRange,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
    ...Object.fromEntries(
      enumsBefore.flatMap(({ name, values }) => [
        [`projection.${name}.type`, 'enum'],
        [`projection.${name}.values`, values.join(',')],
      ]),
    ),
    // ${!x} is CloudFormation's escape for a literal ${x}, which Athena fills in.
    'storage.location.template': sub(`${location}${enumFolders}dt=\${!dt}/hour=\${!hour}/`),
  };
  const partitionKeys: GluePartitionKey[] = [
    ...enumsBefore.map(({ name, comment }) => ({ Name: name, Type: 'string', Comment: comment })),
    ...PARTITION_COLUMNS.map(({ name, glueType }) => ({
      Name: name,
      Type: glueType,
      Comment: comments[name],
    })),
  ];
  return { parameters, partitionKeys };
};
