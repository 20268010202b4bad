import { setTimeout as sleep } from 'node:timers/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaQueryEngine } from '@pipeline/report-runner/adapters';
import type { QueryEngine } from '@pipeline/report-runner';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { kinesisHub, s3Store } from '../ops/aws';
import type { LakeCounts, LakeTally, RealtimeCounts, SmokeTarget } from './ports';

/** A stack's outputs by key (`DescribeStacks`, `Stacks[0].Outputs[].OutputKey/OutputValue`). */
export type StackOutputs = Record<string, string>;

// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
export const stackOutputs = async (
  client: CloudFormationClient,
  stackName: string,
): Promise<StackOutputs> => {
  const result = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs: StackOutputs = {};
  for (const { OutputKey, OutputValue } of result.Stacks?.[0]?.Outputs ?? [])
    if (OutputKey && OutputValue !== undefined) outputs[OutputKey] = OutputValue;
  return outputs;
};

export const requireOutput = (outputs: StackOutputs, stack: string, key: string): string => {
  const value = outputs[key];
  if (!value) throw new Error(`stack ${stack} has no output ${key}`);
  return value;
};

// Athena: "? parameters can be placed only in the WHERE clause"; the engine quotes the string.
// https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
const rowsOf = async (engine: QueryEngine, name: string, sql: string, prefix: string) =>
  (await engine.run({ name, sql, parameters: [`${prefix}%`] })).rows;

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/** The lake through Athena: the Glue table over raw/ (ingest-transform's outputs). */
export const athenaLakeCounts = (engine: QueryEngine, table: string): LakeCounts => ({
  async count(prefix) {
    const rows = await rowsOf(
      engine,
      'smoke-lake',
      `SELECT device_id, dt, hour, count(*) AS records FROM ${quoted(table)} WHERE device_id LIKE ? GROUP BY device_id, dt, hour`,
      prefix,
    );
    const distinct = await rowsOf(
      engine,
      'smoke-lake-readings',
      `SELECT count(DISTINCT event_id) AS readings FROM ${quoted(table)} WHERE device_id LIKE ?`,
      prefix,
    );
    const tally: LakeTally = {
      rowsByDevice: {},
      readings: Number(distinct[0]?.readings ?? 0),
      partitions: [],
    };
    const seen = new Set<string>();
    for (const row of rows) {
      const device = String(row.device_id);
      tally.rowsByDevice[device] = (tally.rowsByDevice[device] ?? 0) + Number(row.records);
      const partition = { dt: String(row.dt), hour: String(row.hour) };
      if (!seen.has(`${partition.dt}/${partition.hour}`)) {
        seen.add(`${partition.dt}/${partition.hour}`);
        tally.partitions.push(partition);
      }
    }
    return tally;
  },
});

/** The real-time store's Glue tables (analytics-sink's outputs), read through Athena. */
export const athenaRealtimeCounts = (
  engine: QueryEngine,
  tables: { windowTable: string; alertTable: string },
): RealtimeCounts => ({
  async count(prefix) {
    const windows = await rowsOf(
      engine,
      'smoke-realtime-windows',
      `SELECT coalesce(sum(event_count), 0) AS events FROM ${quoted(tables.windowTable)} WHERE device_id LIKE ?`,
      prefix,
    );
    const alerts = await rowsOf(
      engine,
      'smoke-realtime-alerts',
      `SELECT count(*) AS alerts FROM ${quoted(tables.alertTable)} WHERE device_id LIKE ?`,
      prefix,
    );
    return { windowEvents: Number(windows[0]?.events ?? 0), alerts: Number(alerts[0]?.alerts ?? 0) };
  },
});

export const REALTIME_NOT_CHECKED = 'real-time layer: not checked (no store outputs)';
export const KAFKA_NOT_SENT =
  'kafka: not sent (producing to MSK needs a Kafka client library, and none is installed)';

/**
 * The smoke target of a deployed stage: names from the stacks' outputs (`<service>-<stage>`),
 * the hub through Kinesis PutRecords, the lake and the real-time tables through Athena in
 * report-runner's workgroup, the buckets through S3.
 */
export const awsSmokeTarget = async (stage: string, region: string | undefined): Promise<SmokeTarget> => {
  const config = region ? { region } : {};
  const cloudFormation = new CloudFormationClient(config);
  const athena = new AthenaClient(config);
  const s3 = new S3Client(config);
  const ingestStack = `ingest-transform-${stage}`;
  const reportStack = `report-runner-${stage}`;
  const sinkStack = `analytics-sink-${stage}`;
  const ingest = await stackOutputs(cloudFormation, ingestStack);
  const reports = await stackOutputs(cloudFormation, reportStack);
  const sink = await stackOutputs(cloudFormation, sinkStack);
  const workGroup = requireOutput(reports, reportStack, 'AthenaWorkGroupName');
  const realtimeNames = ['RealtimeGlueDatabaseName', 'RealtimeWindowTableName', 'RealtimeAlertTableName'];
  const realtime = realtimeNames.every((key) => sink[key])
    ? athenaRealtimeCounts(
        new AthenaQueryEngine({
          client: athena,
          workGroup,
          database: sink.RealtimeGlueDatabaseName as string,
        }),
        {
          windowTable: sink.RealtimeWindowTableName as string,
          alertTable: sink.RealtimeAlertTableName as string,
        },
      )
    : undefined;
  return {
    name: `stage ${stage}${region ? ` in ${region}` : ''}`,
    now: () => Date.now(),
    hub: kinesisHub(new KinesisClient(config), requireOutput(ingest, ingestStack, 'HubStreamName')),
    ingest: s3Store(s3, requireOutput(ingest, ingestStack, 'IngestBucketName')),
    reports: s3Store(s3, requireOutput(reports, reportStack, 'ReportsBucketName')),
    lake: athenaLakeCounts(
      new AthenaQueryEngine({
        client: athena,
        workGroup,
        database: requireOutput(ingest, ingestStack, 'GlueDatabaseName'),
      }),
      requireOutput(ingest, ingestStack, 'GlueTableName'),
    ),
    realtime,
    notes: [...(realtime ? [] : [REALTIME_NOT_CHECKED]), KAFKA_NOT_SENT],
    settle: async () => {},
    wait: async (ms) => void (await sleep(ms)),
  };
};
