import {
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  type InvokeCommandInput,
} from '@aws-sdk/client-lambda';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { MSKEvent } from 'aws-lambda';
import { MskEventSchema } from '@pipeline/msk-consumer';
import { awsKafkaShare, lambdaKafkaShare, mskSourceOf } from '../../src/smoke/aws';
import { smokeBooks, type KafkaShareTally } from '../../src/smoke/books';
import { tallyQuarantine } from '../../src/smoke/observe';
import { planKafkaShare, planSmoke } from '../../src/smoke/plan';
import { memoryStore } from './memory-store';

const NOW = Date.UTC(2026, 10, 25, 9, 30);
const CLUSTER =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/telemetry/5c9a3b2e-1f4d-4a8b-9c7e-2d6f0e1a3b5c-3';
const lambda = mockClient(LambdaClient);

const cloudFormation = mockClient(CloudFormationClient);

beforeEach(() => {
  lambda.reset();
  cloudFormation.reset();
});

const share = () =>
  lambdaKafkaShare(
    new LambdaClient({ region: 'eu-west-1' }),
    'msk-consumer-prod-consumer',
    { clusterArn: CLUSTER },
    memoryStore({}),
  );

const sentEvent = (): MSKEvent => {
  const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input as InvokeCommandInput;
  expect(input.InvocationType).toBe('RequestResponse');
  return JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8')) as MSKEvent;
};

describe('the Kafka share of a smoke run', () => {
  it('sends readings, a heartbeat and a poison record, all under the run prefix', () => {
    const plan = planKafkaShare('abcd', NOW);
    expect(plan.prefix).toBe('smoke-abcd-k');
    expect(plan.records.every(({ deviceId }) => deviceId.startsWith('smoke-abcd-k'))).toBe(true);
    expect(plan.expected).toEqual({
      delivered: 3,
      dropped: { heartbeat: 1 },
      failed: { invalid_metrics: 1 },
    });
    expect(plan.readings).toBe(3);
  });

  it('invokes msk-consumer with the aws:kafka event Lambda builds: "<topic>-<partition>", base64, signed header bytes', async () => {
    // A successful Invoke: StatusCode 200, the function's return value as the payload.
    // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
      Payload: Buffer.from(
        JSON.stringify({
          received: 5,
          forwarded: 3,
          quarantined: { invalid_metrics: 1 },
          skipped: {},
          dropped: { heartbeat: 1 },
        }),
      ) as never,
    });
    const plan = planKafkaShare('abcd', NOW);
    const outcome = await share().send('abcd', plan.records, NOW);
    expect(outcome.problems).toEqual([]);
    const event = sentEvent();
    // The consumer's own event schema (Powertools' KafkaMskEventSchema, extended) accepts it.
    expect(MskEventSchema.safeParse(event).success).toBe(true);
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toBe(CLUSTER);
    expect(Object.keys(event.records)).toEqual(['smoke-abcd-0']);
    const records = event.records['smoke-abcd-0'] ?? [];
    expect(records.map(({ offset }) => offset)).toEqual([0, 1, 2, 3, 4]);
    const first = records[0] as MSKEvent['records'][string][number] & { key: string };
    expect(first.timestampType).toBe('CREATE_TIME');
    expect(Buffer.from(first.key, 'base64').toString()).toBe('smoke-abcd-k0');
    expect(JSON.parse(Buffer.from(first.value, 'base64').toString())).toMatchObject({
      deviceId: 'smoke-abcd-k0',
    });
    // "é" is 0xC3 0xA9: a Java byte[] serialises it as -61, -87.
    const header = (first.headers[0] as Record<string, number[]>)['smoke-run'] ?? [];
    expect(header.slice(-2)).toEqual([-61, -87]);
  });

  it('reports a failed invocation from FunctionError and the error payload', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      ExecutedVersion: '$LATEST',
      Payload: Buffer.from(
        JSON.stringify({
          errorType: 'AccessDeniedException',
          errorMessage: 'not authorized to perform: kinesis:PutRecords',
          trace: [],
        }),
      ) as never,
    });
    const outcome = await share().send('abcd', planKafkaShare('abcd', NOW).records, NOW);
    expect(outcome.problems).toEqual([
      'msk-consumer-prod-consumer failed (Unhandled): AccessDeniedException: not authorized to perform: kinesis:PutRecords',
    ]);
  });

  it('reports an Invoke the operator may not make, without failing the run', async () => {
    lambda.on(InvokeCommand).rejects(
      Object.assign(
        new Error(
          'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: lambda:InvokeFunction',
        ),
        {
          name: 'AccessDeniedException',
        },
      ),
    );
    const outcome = await share().send('abcd', planKafkaShare('abcd', NOW).records, NOW);
    expect(outcome.problems).toEqual([
      'Invoke msk-consumer-prod-consumer refused: AccessDeniedException: User: arn:aws:iam::123456789012:user/ops is not authorized to perform: lambda:InvokeFunction',
    ]);
  });

  it('reports records the consumer hands back as batchItemFailures', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: Buffer.from(
        JSON.stringify({ batchItemFailures: [{ itemIdentifier: { partition: 'smoke-abcd-0', offset: 3 } }] }),
      ) as never,
    });
    const outcome = await share().send('abcd', planKafkaShare('abcd', NOW).records, NOW);
    expect(outcome.problems).toEqual([
      'msk-consumer-prod-consumer handed back 1 records as batchItemFailures',
    ]);
  });

  it('finds the MSK cluster from the consumer’s event source mapping, and none without one', async () => {
    // https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html
    lambda.on(ListEventSourceMappingsCommand, { FunctionName: 'with-msk' }).resolves({
      EventSourceMappings: [
        {
          UUID: '14e0db71-5d35-4eb5-b481-8945cf9d10c2',
          EventSourceArn: CLUSTER,
          FunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:with-msk',
          Topics: ['telemetry'],
          State: 'Enabled',
          BatchSize: 100,
        },
      ],
    });
    lambda
      .on(ListEventSourceMappingsCommand, { FunctionName: 'without' })
      .resolves({ EventSourceMappings: [] });
    const client = new LambdaClient({ region: 'eu-west-1' });
    expect(await mskSourceOf(client, 'with-msk')).toEqual({ clusterArn: CLUSTER });
    expect(await mskSourceOf(client, 'without')).toBeUndefined();
  });

  it('counts the share’s poison records in msk-consumer’s quarantine by reason', async () => {
    const plan = planKafkaShare('abcd', NOW);
    const poison = plan.records.find(({ role }) => role === 'poison');
    const store = memoryStore({
      'errors/msk/dt=2026-11-25/hour=09/smoke-abcd-0-4-4.ndjson': `${JSON.stringify({
        topic: 'smoke-abcd',
        partition: 0,
        offset: 4,
        timestamp: NOW,
        timestampType: 'CREATE_TIME',
        ingestTimeMs: NOW,
        key: { value: 'smoke-abcd-k4', encoding: 'utf8' },
        headers: [],
        reason: 'invalid_metrics',
        detail: 'metrics.temperature: Too big: expected number to be <=150',
        value: poison?.value.toString('base64'),
      })}\n`,
      'errors/msk/dt=2026-11-25/hour=09/telemetry-1-901-903.ndjson': `${JSON.stringify({
        reason: 'schema_violation',
        value: Buffer.from('{"deviceId":"dev-0002"}').toString('base64'),
      })}\n`,
    });
    const tally = await tallyQuarantine(store, plan.prefix, [{ dt: '2026-11-25', hour: '09' }]);
    expect(tally.failed).toEqual({ invalid_metrics: 1 });
    expect([...tally.devices]).toEqual(['smoke-abcd-k4']);
  });

  it('books the share under the kafka source and names msk-consumer when the quarantine misses it', () => {
    const hub = planSmoke('abcd', 1, NOW);
    const kafka = planKafkaShare('abcd', NOW);
    const rowsByDevice: Record<string, number> = { 'smoke-abcd-0': 1 };
    for (const { deviceId, role } of kafka.records) if (role === 'reading') rowsByDevice[deviceId] = 1;
    const lake = { rowsByDevice, readings: 4, partitions: [{ dt: '2026-11-25', hour: '09' }] };
    const errors = { failed: {}, devices: new Set<string>() };
    const reports = { readings: 4, missing: [] };
    const quarantine = { failed: { invalid_metrics: 1 }, devices: new Set(['smoke-abcd-k4']) };
    const books = (share: Omit<KafkaShareTally, 'plan'>) =>
      smokeBooks(hub, lake, errors, reports, { windowEvents: 4, alerts: 0 }, { plan: kafka, ...share });
    const balanced = books({ quarantine, sendProblems: [] });
    expect(balanced.problems).toEqual([]);
    expect(balanced.books.sources.devices.delivered).toBe(1);
    expect(balanced.books.sources.kafka).toEqual({
      produced: 5,
      delivered: 3,
      dropped: { heartbeat: 1 },
      failed: { invalid_metrics: 1 },
    });
    const lost = books({
      quarantine: { failed: {}, devices: new Set() },
      sendProblems: ['msk-consumer-prod-consumer failed (Unhandled): Error: boom'],
    });
    expect(lost.problems).toEqual([
      'kafka share: msk-consumer-prod-consumer failed (Unhandled): Error: boom',
      'msk-consumer -> lake: kafka: produced 5 but delivered 3 + dropped 1 + failed 0 = 4',
      'msk-consumer -> lake: kafka: expected failed invalid_metrics 1, got none',
    ]);
  });

  it('sends a share only when the msk-consumer stack exists and its function reads an MSK cluster', async () => {
    const clients = [{ region: 'eu-west-1' }, new CloudFormationClient({}), new S3Client({})] as const;
    // DescribeStacks of a stack that does not exist is a ValidationError naming it.
    cloudFormation.on(DescribeStacksCommand, { StackName: 'msk-consumer-dev' }).rejects(
      Object.assign(new Error('Stack with id msk-consumer-dev does not exist'), {
        name: 'ValidationError',
      }),
    );
    expect(await awsKafkaShare('dev', ...clients)).toBeUndefined();
    const stack = (stage: string) => ({
      Stacks: [
        {
          StackName: `msk-consumer-${stage}`,
          StackStatus: 'UPDATE_COMPLETE' as const,
          CreationTime: new Date('2026-11-01T10:00:00Z'),
          Outputs: [
            { OutputKey: 'ConsumerFunctionName', OutputValue: `msk-consumer-${stage}-consumer` },
            { OutputKey: 'QuarantineBucketName', OutputValue: `msk-consumer-${stage}-quarantine` },
          ],
        },
      ],
    });
    cloudFormation.on(DescribeStacksCommand, { StackName: 'msk-consumer-test' }).resolves(stack('test'));
    cloudFormation.on(DescribeStacksCommand, { StackName: 'msk-consumer-prod' }).resolves(stack('prod'));
    lambda.on(ListEventSourceMappingsCommand, { FunctionName: 'msk-consumer-test-consumer' }).resolves({});
    lambda
      .on(ListEventSourceMappingsCommand, { FunctionName: 'msk-consumer-prod-consumer' })
      .resolves({ EventSourceMappings: [{ EventSourceArn: CLUSTER, Topics: ['telemetry'] }] });
    expect(await awsKafkaShare('test', ...clients)).toBeUndefined();
    expect((await awsKafkaShare('prod', ...clients))?.route).toContain('bypasses the MSK brokers');
  });
});
