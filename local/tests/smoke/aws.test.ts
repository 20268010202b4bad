import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AthenaQueryEngine } from '@pipeline/report-runner/adapters';
import { athenaResultsPage, mockedClients, type AthenaColumn } from '@pipeline/shared/testing/aws-sdk-mocks';
import { kinesisHub, s3Store } from '../../src/ops/aws';
import { putAll } from '../../src/ops/redrive';
import { athenaLakeCounts, athenaRealtimeCounts, stackOutputs } from '../../src/smoke/aws';

const { athena, cloudFormation, kinesis, s3 } = mockedClients({
  athena: AthenaClient,
  cloudFormation: CloudFormationClient,
  kinesis: KinesisClient,
  s3: S3Client,
});

const engine = (database: string) =>
  new AthenaQueryEngine({
    client: new AthenaClient({ region: 'eu-west-1' }),
    workGroup: 'report-runner-prod',
    database,
    sleep: async () => {},
  });

describe('the smoke test against AWS', () => {
  it('reads stack outputs by key from DescribeStacks', async () => {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
    cloudFormation.on(DescribeStacksCommand, { StackName: 'ingest-transform-prod' }).resolves({
      Stacks: [
        {
          StackName: 'ingest-transform-prod',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date('2026-11-01T10:00:00Z'),
          Outputs: [
            {
              OutputKey: 'HubStreamName',
              OutputValue: 'prod-telemetry',
              Description: 'Kinesis hub stream name',
            },
            { OutputKey: 'GlueTableName', OutputValue: 'telemetry' },
          ],
        },
      ],
    });
    await expect(
      stackOutputs(new CloudFormationClient({ region: 'eu-west-1' }), 'ingest-transform-prod'),
    ).resolves.toEqual({ HubStreamName: 'prod-telemetry', GlueTableName: 'telemetry' });
  });

  it('counts the lake with the run prefix bound as an execution parameter in WHERE, through queued and running states and pages', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'q-rows' })
      .resolvesOnce({ QueryExecutionId: 'q-distinct' });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-rows' })
      .resolvesOnce({ QueryExecution: { QueryExecutionId: 'q-rows', Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { QueryExecutionId: 'q-rows', Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { QueryExecutionId: 'q-rows', Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q-distinct' })
      .resolves({ QueryExecution: { QueryExecutionId: 'q-distinct', Status: { State: 'SUCCEEDED' } } });
    const columns: AthenaColumn[] = [
      ['device_id', 'varchar'],
      ['dt', 'varchar'],
      ['hour', 'varchar'],
      ['records', 'bigint'],
    ];
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-rows' })
      .resolvesOnce(
        athenaResultsPage(columns, [['smoke-abcd-0', '2026-11-25', '09', '1']], { nextToken: 'page-2' }),
      )
      .resolvesOnce(
        athenaResultsPage(columns, [['smoke-abcd-6', '2026-11-25', '10', '2']], { header: false }),
      );
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-distinct' })
      .resolves(athenaResultsPage([['readings', 'bigint']], [['2']]));

    const tally = await athenaLakeCounts(engine('pipeline_prod'), 'telemetry').count('smoke-abcd-');

    expect(tally).toEqual({
      rowsByDevice: { 'smoke-abcd-0': 1, 'smoke-abcd-6': 2 },
      readings: 2,
      partitions: [
        { dt: '2026-11-25', hour: '09' },
        { dt: '2026-11-25', hour: '10' },
      ],
    });
    const starts = athena.commandCalls(StartQueryExecutionCommand).map(({ args }) => args[0].input);
    for (const input of starts) {
      expect(input.ExecutionParameters).toEqual(["'smoke-abcd-%'"]);
      expect(input.QueryString).toMatch(/WHERE device_id LIKE \?/);
      expect(input.QueryString).not.toContain('smoke-abcd');
      expect(input.QueryExecutionContext?.Database).toBe('pipeline_prod');
      expect(input.WorkGroup).toBe('report-runner-prod');
    }
  });

  it('names the real-time query that failed', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-1',
        Status: {
          State: 'FAILED',
          StateChangeReason: "TABLE_NOT_FOUND: Table 'realtime.realtime_alert' does not exist",
        },
      },
    });
    await expect(
      athenaRealtimeCounts(engine('realtime_prod'), {
        windowTable: 'realtime_device_window_part',
        alertTable: 'realtime_alert',
      }).count('smoke-abcd-'),
    ).rejects.toThrow(/TABLE_NOT_FOUND/);
  });

  it('retries only the entries PutRecords refused', async () => {
    // PutRecords answers per entry: a refused entry has ErrorCode, FailedRecordCount counts them.
    // https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [
          {
            SequenceNumber: '49590338271490256608559692538361571095921575989136588898',
            ShardId: 'shardId-000000000000',
          },
          {
            ErrorCode: 'ProvisionedThroughputExceededException',
            ErrorMessage:
              'Rate exceeded for shard shardId-000000000001 in stream prod-telemetry under account 111122223333.',
          },
        ],
      })
      .resolves({
        FailedRecordCount: 0,
        Records: [
          {
            SequenceNumber: '49590338271490256608559692540925702759324208523137515618',
            ShardId: 'shardId-000000000001',
          },
        ],
      });
    const hub = {
      ...kinesisHub(new KinesisClient({ region: 'eu-west-1' }), 'prod-telemetry'),
      sleep: async () => {},
    };
    await putAll(hub, [
      { Data: Buffer.from('{"a":1}'), PartitionKey: 'smoke-abcd-0' },
      { Data: Buffer.from('{"b":2}'), PartitionKey: 'smoke-abcd-1' },
    ]);
    const calls = kinesis.commandCalls(PutRecordsCommand).map(({ args }) => args[0].input.Records);
    expect(calls.map((records) => records?.map(({ PartitionKey }) => PartitionKey))).toEqual([
      ['smoke-abcd-0', 'smoke-abcd-1'],
      ['smoke-abcd-1'],
    ]);
  });

  it('lists the error prefix across ListObjectsV2 pages', async () => {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        KeyCount: 1,
        NextContinuationToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
        Contents: [{ Key: 'errors/processing-failed/dt=2026-11-25/hour=09/a' }],
      })
      .resolvesOnce({
        IsTruncated: false,
        KeyCount: 1,
        Contents: [{ Key: 'errors/processing-failed/dt=2026-11-25/hour=09/b' }],
      });
    const keys: string[] = [];
    for await (const key of s3Store(new S3Client({ region: 'eu-west-1' }), 'ingest').keys(
      'errors/processing-failed/',
    ))
      keys.push(key);
    expect(keys).toEqual([
      'errors/processing-failed/dt=2026-11-25/hour=09/a',
      'errors/processing-failed/dt=2026-11-25/hour=09/b',
    ]);
  });
});
