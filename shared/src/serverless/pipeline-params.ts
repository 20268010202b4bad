/**
 * Deployment parameters several services declare for one setting: one name, one description and,
 * where the services read the value the same way, one rule. docs/PARAMETERS.md lists them once,
 * with the services that use them (`npm run params:table`); a service's own parameters are
 * described in its `src/params.ts`.
 */
import { alarmParamDescriptions } from './alarms';
import { commonParamDescriptions } from './provider';
import {
  allOf,
  given,
  integerIn,
  positive,
  rule,
  type ParamCheck,
  type ParamDescriptions,
  type ParamRules,
} from './params';
import { warehouseParamDescriptions } from './warehouse-params';

/**
 * A Glue database every service queries or creates objects in through Athena, which wants lower
 * case letters, digits and underscores (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html;
 * Glue's limit is 255 characters, https://docs.aws.amazon.com/glue/latest/webapi/API_DatabaseInput.html),
 * and report-runner names it unquoted in SQL, so it does not start with a digit.
 */
export const glueDatabaseName: ParamCheck = rule(
  'Glue database name Athena can query unquoted (1-255 of a-z, 0-9, _; not starting with a digit)',
  (value) =>
    /^[a-z_][a-z0-9_]{0,254}$/.test(value)
      ? undefined
      : 'must be a Glue database name Athena can query unquoted (1-255 of a-z, 0-9, _, not starting with a digit)',
);

/** Stream names: 1-128 of `a-zA-Z0-9_.-`. https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html */
export const kinesisStreamName: ParamCheck = allOf(
  given,
  rule('Kinesis stream name (1-128 of a-z, A-Z, 0-9, _, ., -)', (value) =>
    /^[A-Za-z0-9_.-]{1,128}$/.test(value)
      ? undefined
      : 'must be a Kinesis stream name (1-128 of a-z, A-Z, 0-9, _, ., -)',
  ),
);

/** The event-time window every ingest path applies (preflight refuses two different windows). */
export const eventTimeParamRules: ParamRules = {
  // A reading timed ahead of the clock lands in a later dt= folder; the Glue tables project one day
  // ahead (`NOW+1DAYS`) and Athena lists no date after that, so the skew stays within a day.
  // https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html
  maxFutureSkewSeconds: integerIn(1, 86_400),
  maxEventAgeHours: positive,
};

/**
 * Every parameter that means the same in each service declaring it, with one line each; a service
 * describes only its own parameters (its `paramDescriptions`).
 */
export const SHARED_PARAM_DESCRIPTIONS: ParamDescriptions = {
  ...commonParamDescriptions,
  ...alarmParamDescriptions,
  alarmIteratorAgeMilliseconds:
    "Alarm when the service's reader of the hub (Firehose, the sink) lags this far behind its newest record",
  maxRecordBytes: 'Readings larger than this are rejected (`oversized_record`)',
  maxFutureSkewSeconds: 'Readings timed further ahead of the ingest time than this are rejected',
  maxEventAgeHours: 'Readings older than this at ingest time are rejected',
  quarantineRetentionDays: "Days before the service's quarantined records expire",
  hubStreamName: "The hub, ingest-transform's Kinesis stream (compose passes its `HubStreamName`)",
  hubStreamArn: "The hub's ARN (compose passes ingest-transform's `HubStreamArn`)",
  glueDatabaseName: "The lake's Glue database (compose passes ingest-transform's `GlueDatabaseName`)",
  ingestBucketName: "ingest-transform's bucket (compose passes its `IngestBucketName`)",
  ingestBucketArn: "ingest-transform's bucket ARN (compose passes its `IngestBucketArn`)",
  registryKey: 'The device registry object in the ingest bucket (README "Device registry")',
  registryRefreshSeconds: "How often a container checks the registry object's ETag for a new version",
  ...warehouseParamDescriptions,
  esbuildWorkFolder: "Internal: esbuild's work folder (stage local builds two folders deeper)",
};
