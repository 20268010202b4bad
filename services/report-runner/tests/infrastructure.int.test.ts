import path from 'node:path';
import {
  allowStatements,
  auditSecrets,
  alarmActionsOf,
  dynamicReferenceProblems,
  publishedStageParameters,
  ssmGrants,
  packageService,
  propertiesOf,
  readZip,
  resolveConditions,
  resourcesOfType,
  validateReferences,
  validateResourceProperties,
  wildcardActions,
  type CfnTemplate,
  type PackagedService,
} from '@pipeline/shared/testing';

import { realtimeTablePrefix, ALERT_TABLE, WINDOW_PART_TABLE } from '@pipeline/analytics-sink';
import { QUARANTINE_TABLES, QUARANTINE_VIEW } from '@pipeline/shared';
import { ALARM_TOPIC, CREATED_WAREHOUSE_PARAMS, INGEST } from './support/packagings';

const SERVICE_DIR = path.join(__dirname, '..');

const json = (value: unknown) => JSON.stringify(value);
const WAREHOUSE_URL_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-warehouse-AbCdEf';
const secretGrants = (compiled: CfnTemplate) =>
  allowStatements(compiled).filter(({ actions }) =>
    actions.some((action) => action.startsWith('secretsmanager:')),
  );
const runnerVariables = (compiled: CfnTemplate) =>
  (propertiesOf(compiled, 'RunnerLambdaFunction').Environment as { Variables: Record<string, unknown> })
    .Variables;

describe('report-runner infrastructure (sls package)', () => {
  let packaged: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    packaged = await packageService(SERVICE_DIR, { params: INGEST });
    template = resolveConditions(packaged.template);
  }, 240_000);

  it('conforms to the CloudFormation resource specifications, references included', async () => {
    expect(await validateResourceProperties(packaged.template)).toEqual([]);
    expect(await validateReferences(packaged.template)).toEqual([]);
  });

  it('creates no QuickSight resource by default (quicksight=disabled): the static dashboard is the default', () => {
    expect(
      Object.values(template.Resources).filter(
        ({ Type }) => Type.startsWith('AWS::QuickSight::') || Type === 'AWS::Glue::Table',
      ),
    ).toEqual([]);
    expect(template.Resources.QuickSightAthenaRole).toBeUndefined();
  });

  it('keeps the reports bucket private, encrypted, TLS-only and expires Athena scratch results', () => {
    const bucket = propertiesOf(template, 'ReportsBucket');
    expect(bucket.BucketEncryption).toBeDefined();
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(json(propertiesOf(template, 'ReportsBucketPolicy'))).toContain('"aws:SecureTransport":"false"');
    const rules = (
      bucket.LifecycleConfiguration as { Rules: { Prefix?: string; ExpirationInDays?: unknown }[] }
    ).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: 'athena-results/', ExpirationInDays: '7' }),
    );
  });

  it('queues runs on an encrypted queue that dead-letters after a few receives, with a visibility of 6x the timeout', () => {
    const queue = propertiesOf(template, 'RunQueue');
    const dlq = propertiesOf(template, 'DeadLetterQueue');
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(dlq.SqsManagedSseEnabled).toBe(true);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
      maxReceiveCount: '3',
    });
    const timeout = propertiesOf(template, 'RunnerLambdaFunction').Timeout as number;
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * timeout);
  });

  it('routes Object Created events of the ingest bucket under raw/ to the queue, and only those', () => {
    const rule = propertiesOf(template, 'IngestObjectCreatedRule');
    expect(rule.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: 'IngestBucketName' }] }, object: { key: [{ prefix: 'raw/' }] } },
    });
    // Given by compose: a plain template parameter holding the value.
    expect(template.Parameters?.IngestBucketName).toMatchObject({
      Type: 'String',
      Default: 'pipeline-test-ingest',
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['RunQueue', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
      }),
    ]);
    const policy = propertiesOf(template, 'QueuesPolicy');
    // Only this rule and the schedules of the daily re-run and the hourly books (for their dead
    // letters) may send.
    expect(json(policy)).toContain(
      '"aws:SourceArn":[{"Fn::GetAtt":["IngestObjectCreatedRule","Arn"]},{"Fn::GetAtt":["RunnerEventsRuleSchedule1","Arn"]},{"Fn::GetAtt":["BooksEventsRuleSchedule1","Arn"]}]',
    );
  });

  it('dead-letters a daily re-run EventBridge cannot deliver into the DLQ', () => {
    expect(propertiesOf(template, 'RunnerEventsRuleSchedule1').Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['RunnerLambdaFunction', 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
      }),
    ]);
  });

  it('has an Athena engine v3 workgroup that enforces its output location and a bytes-scanned cutoff', () => {
    const workgroup = propertiesOf(template, 'AthenaWorkGroup').WorkGroupConfiguration as Record<
      string,
      unknown
    >;
    expect(workgroup.EnforceWorkGroupConfiguration).toBe(true);
    expect(workgroup.BytesScannedCutoffPerQuery).toBe('10737418240');
    expect(workgroup.EngineVersion).toEqual({ SelectedEngineVersion: 'Athena engine version 3' });
    expect(workgroup.ResultConfiguration).toEqual(
      expect.objectContaining({ OutputLocation: { 'Fn::Sub': 's3://${ReportsBucket}/athena-results/' } }),
    );
  });

  it('triggers the runner from the queue with partial batch responses, batching parameters and a concurrency cap', () => {
    const [mapping] = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mapping?.resource.Properties).toEqual(
      expect.objectContaining({
        EventSourceArn: { 'Fn::GetAtt': ['RunQueue', 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 5,
        ScalingConfig: { MaximumConcurrency: 5 },
      }),
    );
  });

  it('re-runs daily, and sends a re-run that keeps failing to the DLQ', () => {
    const schedules = resourcesOfType(template, 'AWS::Events::Rule').filter(
      ({ resource }) => resource.Properties?.ScheduleExpression,
    );
    expect(schedules.map(({ resource }) => resource.Properties?.ScheduleExpression).sort()).toEqual([
      'cron(30 2 * * ? *)',
      'cron(35 * * * ? *)',
    ]);
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(2);
    for (const config of configs)
      expect(config.resource.Properties?.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
      });
  });

  it('grants no wildcard IAM actions', () => {
    expect(wildcardActions(packaged.template)).toEqual([]);
  });

  it('scopes every grant: Athena to its workgroup, the lake to raw/, writes to its own prefixes', () => {
    const statements = allowStatements(template).filter(({ owner }) => owner === 'RunnerRole');
    const grant = (action: string) =>
      statements.filter(({ actions }) => actions.includes(action)).flatMap(({ resources }) => resources);
    expect(grant('athena:StartQueryExecution')).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}',
      },
    ]);
    expect(grant('s3:GetObject')).toEqual(
      expect.arrayContaining([
        'arn:aws:s3:::pipeline-test-ingest/raw/*',
        'arn:aws:s3:::pipeline-test-ingest/reference/devices/*',
        // The quarantine report: the ingest bucket's error prefixes.
        'arn:aws:s3:::pipeline-test-ingest/errors/*',
        { 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' },
        // The dashboard without a warehouse: report outputs and the real-time tables' objects.
        { 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' },
        'arn:aws:s3:::pipeline-test-realtime/realtime/realtime_device_window_part/*',
        'arn:aws:s3:::pipeline-test-realtime/realtime/realtime_alert/*',
      ]),
    );
    expect(grant('s3:GetObject')).toHaveLength(7);
    expect(grant('s3:PutObject')).toEqual([
      { 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' },
      { 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' },
      { 'Fn::Sub': '${ReportsBucket.Arn}/dashboard/*' },
    ]);
    expect(grant('glue:GetTable').map(json).join()).toContain('table/pipeline_test/telemetry');
    // Resource "*" only for Data API calls that cannot be scoped, and then limited to own statements.
    const unscoped = statements.filter(({ resources }) => resources.includes('*'));
    expect(
      unscoped.every(({ statement }) => json(statement.Condition).includes('statement-owner-iam-userid')),
    ).toBe(true);
    // The warehouse is off by default: no Redshift grant, no Redshift resource, no secret.
    expect(secretGrants(template)).toEqual([]);
    expect(runnerVariables(template).WAREHOUSE_URL_SECRET_ARN).toBe('none');
    expect(
      statements.flatMap(({ actions }) => actions).filter((action) => action.startsWith('redshift')),
    ).toEqual([]);
    expect(
      Object.values(template.Resources).filter(({ Type }) => Type.startsWith('AWS::RedshiftServerless')),
    ).toEqual([]);
  });

  it('publishes the dashboard without a warehouse, reading report outputs and only the real-time tables it charts', () => {
    const bySid = Object.fromEntries(allowStatements(template).map((grant) => [grant.sid, grant]));
    expect(template.Outputs?.DashboardObject?.Value).toEqual({
      'Fn::Sub': 's3://${ReportsBucket}/dashboard/index.html',
    });
    expect(bySid.PublishDashboard).toMatchObject({
      actions: ['s3:PutObject'],
      resources: [{ 'Fn::Sub': '${ReportsBucket.Arn}/dashboard/*' }],
    });
    expect(bySid.DashboardReadReports).toMatchObject({
      actions: ['s3:GetObject'],
      resources: [{ 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' }],
    });
    const glue = 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}';
    expect(bySid.DashboardReadRealtimeTables).toMatchObject({
      actions: ['glue:GetDatabase', 'glue:GetTable'],
      resources: [
        { 'Fn::Sub': `${glue}:catalog` },
        { 'Fn::Sub': `${glue}:database/pipeline_test_rt` },
        { 'Fn::Sub': `${glue}:table/pipeline_test_rt/${WINDOW_PART_TABLE.name}` },
        { 'Fn::Sub': `${glue}:table/pipeline_test_rt/${ALERT_TABLE.name}` },
      ],
    });
    // The folders are those analytics-sink writes (realtime-lake.ts), read-only.
    const folders = [WINDOW_PART_TABLE, ALERT_TABLE].map(realtimeTablePrefix);
    expect(bySid.DashboardListRealtime).toMatchObject({
      actions: ['s3:ListBucket'],
      resources: ['arn:aws:s3:::pipeline-test-realtime'],
      statement: { Condition: { StringLike: { 's3:prefix': folders.map((folder) => `${folder}*`) } } },
    });
    expect(bySid.DashboardReadRealtime).toMatchObject({
      actions: ['s3:GetObject'],
      resources: folders.map((folder) => `arn:aws:s3:::pipeline-test-realtime/${folder}*`),
    });
    const realtimeGrants = allowStatements(template).filter(({ resources }) =>
      resources.some(
        (resource) => typeof resource === 'string' && resource.startsWith(INGEST.realtimeBucketArn),
      ),
    );
    expect(realtimeGrants.flatMap(({ actions }) => actions).sort()).toEqual([
      's3:GetBucketLocation',
      's3:GetObject',
      's3:ListBucket',
    ]);
    expect(runnerVariables(template)).toMatchObject({
      DASHBOARD: 'enabled',
      REALTIME_GLUE_DATABASE: 'pipeline_test_rt',
    });
  });

  it('lets Athena read the device registry table for the registry reports, and nothing else of the ingest bucket', () => {
    const runnerGrants = allowStatements(template).filter(({ owner }) => owner === 'RunnerRole');
    const bySid = Object.fromEntries(runnerGrants.map((grant) => [grant.sid, grant]));
    expect(bySid.ReadRegistryTable).toMatchObject({
      actions: ['glue:GetTable'],
      resources: [
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/pipeline_test/device_registry',
        },
      ],
    });
    expect(bySid.ListRegistry).toMatchObject({
      actions: ['s3:ListBucket'],
      resources: ['arn:aws:s3:::pipeline-test-ingest'],
      statement: { Condition: { StringLike: { 's3:prefix': ['reference/devices/*'] } } },
    });
    expect(bySid.ReadRegistry).toMatchObject({
      actions: ['s3:GetObject'],
      resources: ['arn:aws:s3:::pipeline-test-ingest/reference/devices/*'],
    });
    // Every grant of the runner on the ingest bucket: the lake (raw/), the registry folder and the
    // error prefixes, read-only (the books role's are checked with the books).
    const ingestGrants = runnerGrants.filter(({ resources }) =>
      resources.some(
        (resource) => typeof resource === 'string' && resource.startsWith(INGEST.ingestBucketArn),
      ),
    );
    expect(ingestGrants.flatMap(({ actions }) => actions).sort()).toEqual([
      's3:GetBucketLocation',
      's3:GetObject',
      's3:GetObject',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucket',
      's3:ListBucket',
    ]);
    expect(runnerVariables(template).GLUE_REGISTRY_TABLE).toBe('device_registry');
  });

  describe('the quarantine report', () => {
    const kafkaQuarantineBucketArn = 'arn:aws:s3:::msk-consumer-test-quarantine';
    const glueTable = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:glue:\${AWS::Region}:\${AWS::AccountId}:table/pipeline_test/${name}`,
    });

    it("lets Athena read the quarantine's Glue tables and view and the ingest bucket's error prefixes, read-only", () => {
      const bySid = Object.fromEntries(
        allowStatements(template)
          .filter(({ owner }) => owner === 'RunnerRole')
          .map((grant) => [grant.sid, grant]),
      );
      expect(bySid.ReadQuarantineTables).toMatchObject({
        actions: ['glue:GetTable'],
        resources: [...QUARANTINE_TABLES.map(({ name }) => name), QUARANTINE_VIEW].map(glueTable),
      });
      expect(bySid.ListIngestQuarantine).toMatchObject({
        actions: ['s3:ListBucket'],
        resources: [INGEST.ingestBucketArn],
        statement: { Condition: { StringLike: { 's3:prefix': ['errors/*'] } } },
      });
      expect(bySid.ReadIngestQuarantine).toMatchObject({
        actions: ['s3:GetObject'],
        resources: [`${INGEST.ingestBucketArn}/errors/*`],
      });
    });

    it('without msk-consumer (kafkaQuarantineBucketArn=none, the default) grants no other bucket and the runner leaves the report out', () => {
      const grants = allowStatements(template).filter(({ owner }) => owner === 'RunnerRole');
      expect(grants.filter(({ sid }) => /Kafka/.test(sid ?? ''))).toEqual([]);
      expect(json(grants)).not.toContain('none');
      expect(runnerVariables(template).KAFKA_QUARANTINE_BUCKET_ARN).toBe('none');
    });

    it("with msk-consumer's quarantine bucket reads only its errors/msk/ prefix", async () => {
      const withKafka = resolveConditions(
        (await packageService(SERVICE_DIR, { params: { ...INGEST, kafkaQuarantineBucketArn } })).template,
      );
      const grants = allowStatements(withKafka).filter(
        ({ owner, resources }) =>
          owner === 'RunnerRole' && json(resources).includes(kafkaQuarantineBucketArn),
      );
      expect(
        grants.map(({ sid, actions, resources, statement }) => ({
          sid,
          actions,
          resources,
          condition: statement.Condition,
        })),
      ).toEqual([
        {
          sid: 'LocateKafkaQuarantine',
          actions: ['s3:GetBucketLocation'],
          resources: [kafkaQuarantineBucketArn],
          condition: undefined,
        },
        {
          sid: 'ListKafkaQuarantine',
          actions: ['s3:ListBucket'],
          resources: [kafkaQuarantineBucketArn],
          condition: { StringLike: { 's3:prefix': ['errors/msk/*'] } },
        },
        {
          sid: 'ReadKafkaQuarantine',
          actions: ['s3:GetObject'],
          resources: [`${kafkaQuarantineBucketArn}/errors/msk/*`],
          condition: undefined,
        },
      ]);
      expect(runnerVariables(withKafka).KAFKA_QUARANTINE_BUCKET_ARN).toBe(kafkaQuarantineBucketArn);
    }, 240_000);
  });

  describe('the hourly books', () => {
    it('runs at :35 for the previous hour, the schedule and the function dead-lettering into the DLQ', () => {
      const rule = propertiesOf(template, 'BooksEventsRuleSchedule1');
      expect(rule.ScheduleExpression).toBe('cron(35 * * * ? *)');
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': ['BooksLambdaFunction', 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
        }),
      ]);
      const config = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(({ resource }) =>
        json(resource.Properties?.FunctionName).includes('BooksLambdaFunction'),
      );
      expect(config?.resource.Properties?.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
      });
      const variables = (
        propertiesOf(template, 'BooksLambdaFunction').Environment as { Variables: Record<string, unknown> }
      ).Variables;
      expect(variables).toEqual(
        expect.objectContaining({
          HUB_STREAM_NAME: 'ingest-transform-test-telemetry',
          DELIVERY_STREAM_NAME: 'ingest-transform-test-lake',
          INGEST_BUCKET: 'pipeline-test-ingest',
          BOOKS_EDGE_LAG_SECONDS: '120',
          BOOKS_ABSOLUTE_TOLERANCE: '0',
        }),
      );
    });

    it('alarms on any drift of an hour, its description linking the runbook', () => {
      const alarm = propertiesOf(template, 'BooksDriftAlarm');
      expect(alarm).toEqual(
        expect.objectContaining({
          Namespace: 'IngestionPipeline',
          MetricName: 'BooksDrift',
          Dimensions: [{ Name: 'service', Value: 'report-runner' }],
          Statistic: 'Maximum',
          Period: 3600,
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        }),
      );
      expect(alarm.AlarmDescription).toContain('(runbook: docs/OPERATIONS.md#report-runner-booksdriftalarm)');
      expect(Object.keys(template.Resources)).toEqual(
        expect.arrayContaining(['BooksErrorsAlarm', 'BooksThrottlesAlarm']),
      );
    });

    it('grants the books role reads only: metrics (Resource * as GetMetricData has no resource type), its workgroup, raw/ and errors/, run manifests', () => {
      const statements = allowStatements(template).filter(({ owner }) => owner === 'BooksRole');
      const grant = (action: string) =>
        statements.filter(({ actions }) => actions.includes(action)).flatMap(({ resources }) => resources);
      const unscoped = statements.filter(({ resources }) => resources.includes('*'));
      expect(unscoped.map(({ actions }) => actions)).toEqual([['cloudwatch:GetMetricData']]);
      expect(grant('s3:GetObject')).toEqual([
        'arn:aws:s3:::pipeline-test-ingest/raw/*',
        'arn:aws:s3:::pipeline-test-ingest/errors/*',
        { 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' },
        { 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' },
      ]);
      // Athena writes its results; nothing else is written.
      expect(grant('s3:PutObject')).toEqual([{ 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' }]);
      expect(grant('athena:StartQueryExecution')).toEqual([
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}',
        },
      ]);
      expect(grant('sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }]);
    });

    it('bundles the books handler without a local-only engine', async () => {
      const zip = packaged.artifacts.find((artifact) => artifact.endsWith('books.zip'));
      expect(zip).toBeDefined();
      const bundle = (await readZip(zip!))
        .find(({ name }) => name === 'src/handlers/books.js')!
        .read()
        .toString('utf8');
      expect(bundle).toContain('GetMetricData');
      expect(bundle).not.toMatch(/@duckdb|@electric-sql|pglite/);
    });
  });

  it('bundles the handler and the SQL reports, and no local-only engine', async () => {
    const zip = packaged.artifacts.find((artifact) => artifact.endsWith('runner.zip'));
    expect(zip).toBeDefined();
    const entries = await readZip(zip!);
    const names = entries.map(({ name }) => name);
    expect(names).toEqual(
      expect.arrayContaining([
        'src/handlers/runner.js',
        'sql/device_hourly_stats.sql',
        'sql/data_quality.sql',
        'sql/registry_hourly_summary.sql',
        'sql/silent_devices.sql',
      ]),
    );
    const bundle = entries
      .find(({ name }) => name === 'src/handlers/runner.js')!
      .read()
      .toString('utf8');
    expect(bundle).not.toMatch(/@duckdb|@electric-sql|pglite/);
  });

  describe('with warehouse=create-serverless', () => {
    let withWarehouse: CfnTemplate;

    beforeAll(async () => {
      const result = await packageService(SERVICE_DIR, {
        params: CREATED_WAREHOUSE_PARAMS,
      });
      expect(await validateResourceProperties(result.template)).toEqual([]);
      withWarehouse = resolveConditions(result.template);
    }, 240_000);

    it('creates a Redshift Serverless namespace, workgroup and the COPY role, readable only on reports/', () => {
      expect(Object.values(withWarehouse.Resources).map(({ Type }) => Type)).toEqual(
        expect.arrayContaining(['AWS::RedshiftServerless::Namespace', 'AWS::RedshiftServerless::Workgroup']),
      );
      const copy = allowStatements(withWarehouse).filter(({ owner }) => owner === 'RedshiftCopyRole');
      expect(copy.find(({ actions }) => actions.includes('s3:GetObject'))?.resources).toEqual([
        { 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' },
      ]);
      expect(json(propertiesOf(withWarehouse, 'RedshiftNamespace').IamRoles)).toContain('RedshiftCopyRole');
    });

    it('publishes the dashboard: PutObject on dashboard/* only, and says where it is', () => {
      const statements = allowStatements(withWarehouse).filter(({ owner }) => owner === 'RunnerRole');
      const puts = statements
        .filter(({ actions }) => actions.includes('s3:PutObject'))
        .flatMap(({ resources }) => resources);
      expect(puts).toEqual([
        { 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' },
        { 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' },
        { 'Fn::Sub': '${ReportsBucket.Arn}/dashboard/*' },
      ]);
      expect(
        statements.find(({ actions }) => actions.includes('redshift-data:GetStatementResult'))?.statement
          .Condition,
      ).toEqual({
        StringEquals: { 'redshift-data:statement-owner-iam-userid': { 'Fn::Sub': '${!aws:userid}' } },
      });
      expect(withWarehouse.Outputs?.DashboardObject?.Value).toEqual({
        'Fn::Sub': 's3://${ReportsBucket}/dashboard/index.html',
      });
      const variables = (
        propertiesOf(withWarehouse, 'RunnerLambdaFunction').Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(variables.DASHBOARD).toBe('enabled');
    });

    it('lets the runner use the Data API on that workgroup only, and tells it where to load', () => {
      const statements = allowStatements(withWarehouse).filter(({ owner }) => owner === 'RunnerRole');
      const execute = statements.find(({ actions }) => actions.includes('redshift-data:ExecuteStatement'));
      expect(execute?.resources).toEqual([{ 'Fn::GetAtt': ['RedshiftWorkgroup', 'Workgroup.WorkgroupArn'] }]);
      const variables = (
        propertiesOf(withWarehouse, 'RunnerLambdaFunction').Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(variables).toEqual(
        expect.objectContaining({
          WAREHOUSE: 'redshift-serverless',
          REDSHIFT_WORKGROUP: { Ref: 'RedshiftWorkgroup' },
          REDSHIFT_COPY_ROLE_ARN: { 'Fn::GetAtt': ['RedshiftCopyRole', 'Arn'] },
        }),
      );
    });
  });

  describe('with warehouse=postgres and warehouseUrlSecretArn', () => {
    it('reads that one secret only, and tells the runner its ARN instead of a URL', async () => {
      const result = await packageService(SERVICE_DIR, {
        params: {
          ...INGEST,
          warehouse: 'postgres',
          warehouseUrlSecretArn: WAREHOUSE_URL_SECRET,
          alarmTopicArn: 'none',
        },
      });
      expect(await validateResourceProperties(result.template)).toEqual([]);
      expect(await validateReferences(result.template)).toEqual([]);
      const postgres = resolveConditions(result.template);
      // alarmTopicArn=none: the alarms notify no one.
      expect(result.template.Parameters?.AlarmTopicArn).toMatchObject({ Type: 'String', Default: 'none' });
      expect(
        Object.values(alarmActionsOf(postgres)).filter((action) => Object.keys(action).length > 0),
      ).toEqual([]);
      expect(
        secretGrants(postgres).map(({ owner, sid, actions, resources, statement }) => ({
          owner,
          sid,
          actions,
          resources,
          condition: statement.Condition,
        })),
      ).toEqual([
        {
          owner: 'RunnerRole',
          sid: 'ReadWarehouseUrlSecret',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [WAREHOUSE_URL_SECRET],
          condition: undefined,
        },
      ]);
      expect(runnerVariables(postgres)).toEqual(
        expect.objectContaining({
          WAREHOUSE: 'postgres',
          WAREHOUSE_URL: 'none',
          WAREHOUSE_URL_SECRET_ARN: WAREHOUSE_URL_SECRET,
        }),
      );
      // Postgres: no Redshift grant either.
      expect(
        allowStatements(postgres)
          .flatMap(({ actions }) => actions)
          .filter((action) => action.startsWith('redshift')),
      ).toEqual([]);
      expect(wildcardActions(result.template)).toEqual([]);
      expect(auditSecrets(postgres)).toEqual([]);
    }, 240_000);
  });

  describe('with warehouse=redshift-cluster', () => {
    it('scopes the Data API to the configured cluster and creates no Redshift resource', async () => {
      const result = await packageService(SERVICE_DIR, {
        params: {
          ...INGEST,
          warehouse: 'redshift-cluster',
          redshiftClusterIdentifier: 'analytics',
          redshiftDbUser: 'loader',
          redshiftCopyRoleArn: 'arn:aws:iam::123456789012:role/copy',
          dashboard: 'disabled',
        },
      });
      const cluster = resolveConditions(result.template);
      // dashboard=disabled: no grant on dashboard/*, nothing regenerated.
      expect(
        allowStatements(cluster)
          .flatMap(({ resources }) => resources)
          .map(json)
          .filter((resource) => resource.includes('dashboard/')),
      ).toEqual([]);
      expect(cluster.Outputs?.DashboardObject).toBeUndefined();
      expect(
        Object.values(cluster.Resources).filter(({ Type }) => Type.startsWith('AWS::RedshiftServerless')),
      ).toEqual([]);
      const statements = allowStatements(cluster).filter(({ owner }) => owner === 'RunnerRole');
      expect(
        statements.find(({ actions }) => actions.includes('redshift-data:ExecuteStatement'))?.resources,
      ).toEqual([
        { 'Fn::Sub': 'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}:cluster:analytics' },
      ]);
      expect(
        statements.find(({ actions }) => actions.includes('redshift:GetClusterCredentials'))?.resources,
      ).toHaveLength(2);
      expect(wildcardActions(result.template)).toEqual([]);
    }, 240_000);
  });

  describe('deployed on its own (no parameters)', () => {
    let alone: CfnTemplate;

    beforeAll(async () => {
      const result = await packageService(SERVICE_DIR);
      expect(await validateResourceProperties(result.template)).toEqual([]);
      expect(await validateReferences(result.template)).toEqual([]);
      alone = result.template;
    }, 240_000);

    it("holds no placeholder: the buckets come from the stage's Parameter Store at deploy time", () => {
      expect(json(alone)).not.toContain('placeholder');
      expect(runnerVariables(alone).INGEST_BUCKET).toBe('{{resolve:ssm:/pipeline/test/ingest-bucket-name}}');
      const scopes = allowStatements(resolveConditions(alone, publishedStageParameters('test'))).flatMap(
        ({ resources }) => resources,
      );
      expect(scopes).toEqual(
        expect.arrayContaining([
          '{{resolve:ssm:/pipeline/test/ingest-bucket-arn}}',
          '{{resolve:ssm:/pipeline/test/ingest-bucket-arn}}/raw/*',
          '{{resolve:ssm:/pipeline/test/realtime-bucket-arn}}',
        ]),
      );
      expect(dynamicReferenceProblems(alone, 'test')).toEqual([]);
    });

    it('matches lake events on the bucket through an SSM-typed template parameter, not a dynamic reference', () => {
      expect(propertiesOf(alone, 'IngestObjectCreatedRule').EventPattern).toMatchObject({
        detail: { bucket: { name: [{ Ref: 'IngestBucketName' }] } },
      });
      expect(alone.Parameters?.IngestBucketName).toMatchObject({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/pipeline/test/ingest-bucket-name',
      });
    });

    it('grants the runner no ssm: action: CloudFormation resolves the values with the deployer', () => {
      expect(ssmGrants(alone)).toEqual([]);
    });

    it("notifies the stage's alarm topic, read from Parameter Store through an SSM-typed template parameter", () => {
      // A dynamic reference cannot sit in Conditions, where "is there a topic" is decided.
      expect(alone.Parameters?.AlarmTopicArn).toMatchObject({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/pipeline/test/alarm-topic-arn',
      });
      const actions = Object.values(
        alarmActionsOf(resolveConditions(alone, publishedStageParameters('test'))),
      );
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(action).toEqual({
          AlarmActions: [{ Ref: 'AlarmTopicArn' }],
          OKActions: [{ Ref: 'AlarmTopicArn' }],
        });
      }
      expect(dynamicReferenceProblems(alone, 'test')).toEqual([]);
    });

    it('keeps an explicit alarmTopicArn: compose passes the topic ARN', () => {
      expect(packaged.template.Parameters?.AlarmTopicArn).toMatchObject({
        Type: 'String',
        Default: ALARM_TOPIC,
      });
      for (const action of Object.values(alarmActionsOf(resolveConditions(packaged.template)))) {
        expect(action).toEqual({
          AlarmActions: [{ Ref: 'AlarmTopicArn' }],
          OKActions: [{ Ref: 'AlarmTopicArn' }],
        });
      }
    });
  });
});
