import { setTimeout as sleep } from 'node:timers/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaQueryEngine } from '@pipeline/report-runner/adapters';
import type { QueryEngine } from '@pipeline/report-runner';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  type InvokeCommandOutput,
} from '@aws-sdk/client-lambda';
import { mskEventOf } from '../aws/msk/MskEventSourceMapping';
import { S3Client } from '@aws-sdk/client-s3';
import { kinesisHub, s3Store } from '../ops/aws';
import type { KafkaShareTarget, LakeCounts, LakeTally, RealtimeCounts, SmokeTarget } from './ports';

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
export const KAFKA_NOT_SENT = 'kafka: not sent (msk-consumer has no MSK event source mapping on this stage)';
export const KAFKA_BYPASS =
  'kafka: the share was handed to msk-consumer by Lambda Invoke, bypassing the brokers and the event source mapping; it proves the consumer, its hub writes, its quarantine and everything downstream, not the cluster, its networking or the mapping';

/** The MSK cluster msk-consumer reads: its event source mapping (absent when no cluster is configured). */
export interface MskSource {
  clusterArn: string;
}

// https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html
export const mskSourceOf = async (
  client: LambdaClient,
  functionName: string,
): Promise<MskSource | undefined> => {
  const result = await client.send(new ListEventSourceMappingsCommand({ FunctionName: functionName }));
  const mapping = result.EventSourceMappings?.find(({ EventSourceArn }) =>
    EventSourceArn?.startsWith('arn:aws:kafka:'),
  );
  return mapping?.EventSourceArn ? { clusterArn: mapping.EventSourceArn } : undefined;
};

interface InvokeErrorPayload {
  errorType?: string;
  errorMessage?: string;
  batchItemFailures?: unknown[];
}

/**
 * The Kafka share through Lambda `Invoke` (RequestResponse) of the deployed msk-consumer, with the
 * `aws:kafka` event Lambda's mapping would build (the local MSK simulator's builder). A laptop
 * usually cannot reach MSK brokers (private subnets), so this skips the brokers and the mapping.
 * The records sit on topic `smoke-<runId>`, partition 0, from offset 0: msk-consumer's quarantine
 * keys (`<topic>-<partition>-<first>-<last>`) then cannot overwrite a real batch's object.
 * An error comes back as `FunctionError` with `{errorType, errorMessage}` as the payload:
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * Operators need `lambda:InvokeFunction` on the function and `lambda:ListEventSourceMappings`.
 */
export const lambdaKafkaShare = (
  client: LambdaClient,
  functionName: string,
  source: MskSource,
  quarantine: KafkaShareTarget['quarantine'],
): KafkaShareTarget => ({
  route: `invoked on ${functionName} (Lambda Invoke: bypasses the MSK brokers and the event source mapping)`,
  async send(runId, records, nowMs) {
    const topic = `smoke-${runId}`;
    const event = mskEventOf(
      // Lambda's bootstrapServers are the cluster's brokers; this event comes from no broker.
      { arn: source.clusterArn, bootstrapServers: '' },
      records.map(({ key, value, headers }, offset) => ({
        topic,
        partition: 0,
        offset,
        timestamp: nowMs,
        key,
        value,
        headers,
        sizeBytes: key.byteLength + value.byteLength,
      })),
    );
    let result: InvokeCommandOutput;
    try {
      result = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
    } catch (error) {
      // A refused Invoke (no lambda:InvokeFunction, throttling) leaves the share unsent: the books
      // still print, with the reason as the share's problem.
      return { problems: [`Invoke ${functionName} refused: ${String(error)}`] };
    }
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    let payload: InvokeErrorPayload = {};
    try {
      payload = text ? (JSON.parse(text) as InvokeErrorPayload) : {};
    } catch {
      payload = {};
    }
    if (result.FunctionError)
      return {
        problems: [
          `${functionName} failed (${result.FunctionError}): ${payload.errorType ?? 'error'}: ${payload.errorMessage ?? text}`,
        ],
      };
    const failures = Array.isArray(payload.batchItemFailures) ? payload.batchItemFailures.length : 0;
    return {
      problems: failures > 0 ? [`${functionName} handed back ${failures} records as batchItemFailures`] : [],
    };
  },
  quarantine,
});

const isMissingStack = (error: unknown): boolean =>
  error instanceof Error && /does not exist/.test(error.message);

/** The Kafka share when the stage's msk-consumer stack exists and its function reads an MSK cluster. */
export const awsKafkaShare = async (
  stage: string,
  config: { region?: string },
  cloudFormation: CloudFormationClient,
  s3: S3Client,
): Promise<KafkaShareTarget | undefined> => {
  const stack = `msk-consumer-${stage}`;
  let outputs: StackOutputs;
  try {
    outputs = await stackOutputs(cloudFormation, stack);
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
  const lambda = new LambdaClient(config);
  const functionName = requireOutput(outputs, stack, 'ConsumerFunctionName');
  const source = await mskSourceOf(lambda, functionName);
  if (!source) return undefined;
  return lambdaKafkaShare(
    lambda,
    functionName,
    source,
    s3Store(s3, requireOutput(outputs, stack, 'QuarantineBucketName')),
  );
};

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
  const kafka = await awsKafkaShare(stage, config, cloudFormation, s3);
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
    kafka,
    notes: [...(realtime ? [] : [REALTIME_NOT_CHECKED]), kafka ? KAFKA_BYPASS : KAFKA_NOT_SENT],
    settle: async () => {},
    wait: async (ms) => void (await sleep(ms)),
  };
};
