import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { awsBooksTarget } from '../../src/books/aws';
import { BOOKS_HELP, main, rangeOf } from '../../src/books/cli';

const cloudFormation = mockClient(CloudFormationClient);
beforeEach(() => cloudFormation.reset());

const NOW = Date.parse('2026-12-06T10:20:00Z');

describe('npm run books: the range', () => {
  it('defaults to the last whole hour that ended at least the settle time ago', () => {
    // 10:20 minus 30 minutes is 09:50: the last settled whole hour is 08:00-09:00.
    expect(rangeOf(undefined, undefined, NOW)).toEqual({
      fromMs: Date.parse('2026-12-06T08:00:00Z'),
      toMs: Date.parse('2026-12-06T09:00:00Z'),
    });
  });

  it('takes UTC hours or minutes, and refuses anything else', () => {
    expect(rangeOf('2026-12-05T06:30', '2026-12-06T09', NOW)).toEqual({
      fromMs: Date.parse('2026-12-05T06:30:00Z'),
      toMs: Date.parse('2026-12-06T09:00:00Z'),
    });
    expect(() => rangeOf('2026-12-05 06:00', undefined, NOW)).toThrow('--from must be a UTC time');
    expect(() => rangeOf('2026-12-06T09', '2026-12-06T08', NOW)).toThrow('--from must be before --to');
    expect(() => rangeOf('2026-11-20T00', '2026-11-20T01', NOW)).toThrow('more than 15 days ago');
  });

  it('refuses a range that has not settled, before calling AWS', async () => {
    await expect(
      main(['--stage', 'prod', '--from', '2026-12-06T09', '--to', '2026-12-06T10'], undefined, NOW),
    ).rejects.toThrow('the range ends 1200 s ago: reconcile only ranges that ended at least 1800 s ago');
    expect(cloudFormation.calls()).toHaveLength(0);
  });

  it('prints its help', async () => {
    const lines: string[] = [];
    await expect(main(['--help'], { line: (text) => lines.push(text), error: () => {} })).resolves.toBe(0);
    expect(lines).toEqual([BOOKS_HELP]);
  });
});

describe('npm run books: a deployed stage', () => {
  it("names the stage's resources from its stacks' outputs", async () => {
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
    const stack = (StackName: string, outputs: Record<string, string>) => ({
      Stacks: [
        {
          StackName,
          StackStatus: 'UPDATE_COMPLETE' as const,
          CreationTime: new Date('2026-11-01T10:00:00Z'),
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });
    cloudFormation.on(DescribeStacksCommand, { StackName: 'ingest-transform-prod' }).resolves(
      stack('ingest-transform-prod', {
        HubStreamName: 'ingest-transform-prod-telemetry',
        DeliveryStreamName: 'ingest-transform-prod-lake',
        IngestBucketName: 'ingest-transform-prod-ingestbucket-1a2b3c',
        GlueDatabaseName: 'pipeline_prod',
        GlueTableName: 'telemetry',
      }),
    );
    cloudFormation.on(DescribeStacksCommand, { StackName: 'report-runner-prod' }).resolves(
      stack('report-runner-prod', {
        ReportsBucketName: 'report-runner-prod-reportsbucket-4d5e6f',
        AthenaWorkGroupName: 'report-runner-prod',
      }),
    );
    const target = await awsBooksTarget('prod', 'eu-west-1');
    expect(target.name).toBe('stage prod in eu-west-1');
    expect(target.resources).toEqual({
      hubStreamName: 'ingest-transform-prod-telemetry',
      deliveryStreamName: 'ingest-transform-prod-lake',
    });
  });

  it('says which output a stack lacks', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'x', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
    });
    await expect(awsBooksTarget('prod', undefined)).rejects.toThrow(
      'stack ingest-transform-prod has no output',
    );
  });
});
