import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseStageConfig } from '@pipeline/shared/serverless';
import { main } from '../../src/preflight/cli';
import { costTableRows } from '../../src/preflight/cost-model';
import { preflight } from '../../src/preflight/preflight';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-warehouse-AbCdEf';

// A stage whose two warehouse users agree: Postgres through a secret, written once for both.
const consistent = `
region: eu-west-1
params:
  warehouse: postgres
  warehouseUrl: none
  warehouseUrlSecretArn: ${SECRET}
`;

const run = (yaml: string, { region, env = {} }: { region?: string; env?: Record<string, string> } = {}) =>
  preflight({
    stage: 'prod',
    env,
    ...(region ? { region } : {}),
    stageConfig: parseStageConfig('prod', 'config/prod.yml', yaml),
  });

const problemsOf = async (yaml: string, options?: Parameters<typeof run>[1]) =>
  (await run(yaml, options)).problems.map(({ service, name, problem }) => `${service} ${name}: ${problem}`);

describe('preflight', () => {
  it('passes a consistent stage, plans every stack and prices it', async () => {
    const report = await run(consistent);
    expect(report.problems).toEqual([]);
    expect(report.region).toBe('eu-west-1');
    expect(report.services.map(({ stack }) => stack)).toEqual([
      'ingest-transform-prod',
      'report-runner-prod',
      'msk-consumer-prod',
      'analytics-sink-prod',
    ]);
    const runner = report.services.find(({ service }) => service === 'report-runner');
    expect(runner?.params.warehouseUrlSecretArn).toEqual({ value: SECRET, source: 'stage' });
    expect(runner?.params.ingestBucketArn).toMatchObject({
      source: 'compose',
      from: 'ingest-transform.IngestBucketArn',
    });
    expect(runner?.off.map(({ id }) => id)).toContain('RedshiftWorkgroup');
    expect(report.cost.subtotal).toBeGreaterThan(0.4);
    expect(report.cost.idlePerMonth).toBeCloseTo(29.2, 1);
  });

  it('prints the cost and exits 1 naming the parameter that is wrong', async () => {
    let text = '';
    const out = { write: (chunk: string) => ((text += chunk), true) };
    // The CLI reads config/<stage>.yml: the shipped example is a stage file like any other.
    const code = await main(['--stage', 'example', '--param', 'report-runner:batchSize=0'], out);
    expect(text).toMatch(/Cost per million events/);
    expect(text).toMatch(/subtotal\s+~\$0\.\d\d/);
    expect(text).toMatch(/report-runner: --param batchSize=0: must be an integer from 1 to 10000/);
    expect(code).toBe(1);
  });

  it.each([
    [
      'a warehouse report-runner and analytics-sink do not share',
      `${consistent}services:\n  analytics-sink:\n    warehouse: redshift-serverless\n`,
      /analytics-sink warehouse: differs from report-runner's warehouse=postgres/,
    ],
    [
      'one warehouse reached with different settings',
      `${consistent}services:\n  analytics-sink:\n    warehouseUrlSecretArn: ${SECRET.replace('AbCdEf', 'XyZ123')}\n`,
      /analytics-sink warehouseUrlSecretArn: differs from report-runner's/,
    ],
    [
      'redshift-serverless without the workgroup ARN',
      'params:\n  warehouse: redshift-serverless\n  redshiftWorkgroupName: pipeline\n  redshiftWorkgroupArn: none\n',
      /report-runner redshiftWorkgroupArn: must be set/,
    ],
    [
      'a malformed ARN',
      `${consistent}  alarmTopicArn: arn:aws:sns:eu-west-1:12345:alarms\n`,
      /ingest-transform alarmTopicArn: must be an SNS topic ARN/,
    ],
    [
      'an ARN in another region than the stage',
      `${consistent}  alarmTopicArn: arn:aws:sns:us-east-1:123456789012:alarms\n`,
      /ingest-transform alarmTopicArn: is in us-east-1, the stage deploys to eu-west-1/,
    ],
    [
      'a placeholder nobody replaced',
      // The services' defaults hold no placeholder any more; one copied from an example still counts.
      'params:\n  warehouse: redshift-serverless\n  redshiftWorkgroupName: pipeline\n' +
        '  redshiftWorkgroupArn: arn:aws:redshift-serverless:eu-west-1:000000000000:workgroup/00000000-0000-4000-8000-000000000000\n',
      /analytics-sink redshiftWorkgroupArn: is a placeholder/,
    ],
    [
      'a processor buffer above what a Lambda response can carry',
      `${consistent}services:\n  ingest-transform:\n    processorBufferSizeMB: 3\n`,
      /ingest-transform processorBufferSizeMB/,
    ],
    [
      'a setting two services must share set differently',
      `${consistent}services:\n  analytics-sink:\n    maxEventAgeHours: 24\n`,
      /analytics-sink maxEventAgeHours: differs from ingest-transform's maxEventAgeHours=168/,
    ],
  ])('catches %s', async (_what, yaml, expected) => {
    expect(await problemsOf(yaml)).toContainEqual(expect.stringMatching(expected));
  });

  it.each([
    [
      'hubStreamName',
      'telemetry-other',
      /msk-consumer hubStreamName: differs from report-runner's hubStreamName=/,
    ],
    [
      'glueDatabaseName',
      'pipeline_other',
      /msk-consumer glueDatabaseName: differs from report-runner's glueDatabaseName=/,
    ],
  ])(
    'catches a %s msk-consumer and report-runner, deployed alone, do not share',
    async (name, value, expected) => {
      const report = await preflight({
        stage: 'prod',
        env: {},
        alone: ['msk-consumer', 'report-runner'],
        stageConfig: parseStageConfig(
          'prod',
          'config/prod.yml',
          `${consistent}services:\n  msk-consumer:\n    ${name}: ${value}\n`,
        ),
      });
      expect(
        report.problems.map(({ service, name, problem }) => `${service} ${name}: ${problem}`),
      ).toContainEqual(expect.stringMatching(expected));
    },
  );

  it('plans a service deployed on its own: its cross-service values come from what the producers published', async () => {
    const report = await preflight({
      stage: 'prod',
      env: {},
      alone: ['report-runner'],
      stageConfig: parseStageConfig('prod', 'config/prod.yml', consistent),
    });
    expect(report.problems).toEqual([]);
    const runner = report.services.find(({ service }) => service === 'report-runner');
    expect(runner?.params.ingestBucketArn).toEqual({
      value: '{{resolve:ssm:/pipeline/prod/ingest-bucket-arn}}',
      source: 'default',
      from: 'SSM /pipeline/prod/ingest-bucket-arn (published by ingest-transform)',
    });
    expect(runner?.needsFirst).toEqual(['ingest-transform', 'analytics-sink']);
    // The others still deploy through compose.
    expect(
      report.services.find(({ service }) => service === 'analytics-sink')?.params.ingestBucketArn,
    ).toMatchObject({ source: 'compose' });

    let text = '';
    const out = { write: (chunk: string) => ((text += chunk), true) };
    expect(await main(['--stage', 'example', '--alone', 'report-runner'], out)).toBe(0);
    expect(text).toMatch(
      /ingestBucketName = from SSM \/pipeline\/example\/ingest-bucket-name \(published by ingest-transform\)/,
    );
    expect(text).toMatch(/deploy first: ingest-transform, analytics-sink \(same stage and region\)/);
    // A service deployed through compose shows where compose takes each value from.
    expect(text).toMatch(/ingestBucketArn = from ingest-transform\.IngestBucketArn/);
  });

  it("plans a service deployed on its own to notify the stage's alarm topic, which ingest-transform publishes", async () => {
    const report = await preflight({
      stage: 'prod',
      env: {},
      alone: ['msk-consumer', 'report-runner'],
      stageConfig: parseStageConfig('prod', 'config/prod.yml', consistent),
    });
    expect(report.problems).toEqual([]);
    const consumer = report.services.find(({ service }) => service === 'msk-consumer');
    expect(consumer?.params.alarmTopicArn).toEqual({
      value: '{{resolve:ssm:/pipeline/prod/alarm-topic-arn}}',
      source: 'default',
      from: 'SSM /pipeline/prod/alarm-topic-arn (published by ingest-transform)',
    });
    expect(consumer?.needsFirst).toEqual(['ingest-transform']);
    // An explicit topic still has to be the one the stage's other alarms notify.
    const explicit = await preflight({
      stage: 'prod',
      env: {},
      alone: ['msk-consumer', 'report-runner'],
      cliParams: { 'msk-consumer': { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:other' } },
      stageConfig: parseStageConfig('prod', 'config/prod.yml', consistent),
    });
    expect(explicit.problems).toEqual([
      expect.objectContaining({ service: 'msk-consumer', name: 'alarmTopicArn' }),
    ]);
  });

  it('refuses a malformed value in place of a stage value, naming the parameter', async () => {
    const report = await preflight({
      stage: 'prod',
      env: {},
      alone: ['report-runner'],
      cliParams: {
        'report-runner': { ingestBucketArn: '{{ resolve:ssm:/pipeline/prod/ingest-bucket-arn }}' },
      },
      stageConfig: parseStageConfig('prod', 'config/prod.yml', consistent),
    });
    expect(report.problems).toEqual([
      expect.objectContaining({ service: 'report-runner', name: 'ingestBucketArn' }),
    ]);
  });

  // QuickSight keeps its users in the account's identity region, which may differ from the stage's.
  const quicksight = (principal: string) =>
    `${consistent}services:\n  report-runner:\n    quicksight: enabled\n    quicksightPrincipalArn: ${principal}\n` +
    `    quicksightWarehouseSecretArn: ${SECRET}\n    quicksightPostgresEndpoint: db.internal:5432/pipeline\n`;

  it('plans the QuickSight resources when enabled, owned by a principal of another (identity) region', async () => {
    const report = await run(quicksight('arn:aws:quicksight:us-east-1:123456789012:group/default/analysts'));
    expect(report.problems).toEqual([]);
    const runner = report.services.find(({ service }) => service === 'report-runner');
    expect(runner?.resources.map(({ type }) => type)).toEqual(
      expect.arrayContaining([
        'AWS::QuickSight::DataSource',
        'AWS::QuickSight::DataSet',
        'AWS::QuickSight::Dashboard',
      ]),
    );
    const off = await run(consistent);
    expect(
      off.services
        .find(({ service }) => service === 'report-runner')
        ?.resources.filter(({ type }) => type.startsWith('AWS::QuickSight::')),
    ).toEqual([]);
  });

  it('catches QuickSight enabled without its principal, or with an IAM ARN for it', async () => {
    expect(await problemsOf(quicksight('none'))).toContainEqual(
      expect.stringMatching(/report-runner quicksightPrincipalArn: must be set/),
    );
    expect(await problemsOf(quicksight('arn:aws:iam::123456789012:user/analyst'))).toContainEqual(
      expect.stringMatching(/report-runner quicksightPrincipalArn: must be a QuickSight user or group ARN/),
    );
  });

  it('catches a stage name Athena cannot use unquoted', async () => {
    const report = await preflight({
      stage: 'my-prod',
      env: {},
      stageConfig: parseStageConfig('my-prod', 'config/my-prod.yml', consistent),
    });
    expect(report.problems).toContainEqual(expect.objectContaining({ name: 'stage', value: 'my-prod' }));
  });

  it('takes the region from --region, then the stage file, then AWS_REGION, then AWS_DEFAULT_REGION', async () => {
    const bare = consistent.replace('region: eu-west-1\n', '');
    expect((await run(consistent, { region: 'eu-central-1' })).region).toBe('eu-central-1');
    expect((await run(consistent, { env: { AWS_REGION: 'ap-south-1' } })).region).toBe('eu-west-1');
    expect(
      (await run(bare, { env: { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'eu-north-1' } })).region,
    ).toBe('ap-south-1');
    expect((await run(bare, { env: { AWS_DEFAULT_REGION: 'eu-north-1' } })).region).toBe('eu-north-1');
    expect((await run(bare)).region).toBe('us-east-1');
  });
});

describe('the cost table of docs/OPERATIONS.md', () => {
  // Cells, not spaces: Prettier aligns the Markdown table.
  const cells = (table: string) =>
    table
      .trim()
      .split('\n')
      .slice(2)
      .map((line) =>
        line
          .replace(/^\|(.*)\|$/, '$1')
          .split(' | ')
          .map((cell) => cell.trim()),
      );

  it('is what the cost model renders (npm run preflight -- --cost-table)', async () => {
    const doc = await readFile(path.join(REPO_ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
    const table = /<!-- cost-table:start[^>]*-->\n([\s\S]*?)<!-- cost-table:end -->/.exec(doc)?.[1] ?? '';
    expect(cells(table)).toEqual(costTableRows());
  });
});
