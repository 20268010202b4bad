import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  auditAlarmRunbooks,
  auditAlarms,
  auditPipelineMetrics,
  auditBuckets,
  auditEncryptionAtRest,
  auditFailureDestinations,
  auditLogRetention,
  auditPartialBatchResponses,
  auditResourceWildcards,
  auditSecrets,
  auditWildcardActions,
  deadLetterQueues,
  loadResourceSpec,
  packageService,
  REPO_ROOT,
  RESOURCE_WILDCARD_ALLOWANCES,
  resolveConditions,
  resolveTemplateParameters,
  resourcesOfType,
  usedResourceWildcards,
  validateResourceProperties,
  type CfnTemplate,
  type PackagedService,
} from '@pipeline/shared/testing';
import { ALTERNATIVE_PARAMS } from '../../../services/analytics-sink/tests/packagings';
import { CREATED_WAREHOUSE_PARAMS } from '../../../services/report-runner/tests/support/packagings';

// The audit of every service's packaged CloudFormation (issue 10). Each service is packaged once,
// with the params that switch on the most resources (an MSK cluster with SASL/SCRAM, a Redshift
// Serverless warehouse created by the stack) and an alarm topic, so every optional part is audited.
// Where a service's infrastructure test already packages it so (every switch away from its default
// in analytics-sink's, the created warehouse in report-runner's), the audit takes the same params:
// one packaging per service, stage and params serves both in a run (shared/testing/package.ts).
const ALARM_TOPIC = 'arn:aws:sns:us-east-1:123456789012:pipeline-alarms';
const SERVICES: Record<string, Record<string, string>> = {
  'ingest-transform': { alarmTopicArn: ALARM_TOPIC },
  'msk-consumer': {
    hubStreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/ingest-transform-test-telemetry',
    mskClusterArn:
      'arn:aws:kafka:us-east-1:123456789012:cluster/telemetry-cluster/5c9a3b2e-1f4d-4a8b-9c7e-2d6f0e1a3b5c-3',
    mskSaslScramSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_telemetry-AbCdEf',
    vpcSubnetIds: 'subnet-0a1b2c3d4e5f60718',
    vpcSecurityGroupIds: 'sg-0123456789abcdef0',
    alarmTopicArn: ALARM_TOPIC,
  },
  'report-runner': CREATED_WAREHOUSE_PARAMS,
  'analytics-sink': ALTERNATIVE_PARAMS,
};
const NAMES = Object.keys(SERVICES);

const packaged: Record<string, PackagedService> = {};
/** As packaged: both branches of every condition (the IAM rules read all of them). */
const raw: Record<string, CfnTemplate> = {};
/** As CloudFormation would deploy it with the params above. */
const deployed: Record<string, CfnTemplate> = {};

beforeAll(async () => {
  await loadResourceSpec();
  // Two at a time: packaging is CPU-bound and the machine is shared.
  for (let index = 0; index < NAMES.length; index += 2) {
    await Promise.all(
      NAMES.slice(index, index + 2).map(async (name) => {
        packaged[name] = await packageService(path.join(REPO_ROOT, 'services', name), {
          params: SERVICES[name],
        });
        raw[name] = packaged[name].template;
        deployed[name] = resolveTemplateParameters(resolveConditions(packaged[name].template));
      }),
    );
  }
}, 600_000);

afterAll(() =>
  Promise.all(Object.values(packaged).map(({ dir }) => rm(dir, { recursive: true, force: true }))),
);

describe.each(NAMES)('%s', (name) => {
  it('grants no wildcard action (no s3:*, s3:Get*, *, NotAction) in any branch', () => {
    expect(auditWildcardActions(raw[name]!)).toEqual([]);
  });

  it('grants unscoped resources only to allow-listed actions, with the conditions the list requires', () => {
    expect(auditResourceWildcards(raw[name]!)).toEqual([]);
  });

  it('encrypts every bucket, stream, queue, topic, delivery stream and Athena result at rest', () => {
    expect(auditEncryptionAtRest(deployed[name]!)).toEqual([]);
  });

  it('blocks public access to every bucket and denies requests without TLS', () => {
    expect(resourcesOfType(deployed[name]!, 'AWS::S3::Bucket').length).toBeGreaterThan(0);
    expect(auditBuckets(deployed[name]!)).toEqual([]);
  });

  it('gives every asynchronous path a DLQ, on-failure destination or error output', () => {
    expect(auditFailureDestinations(deployed[name]!)).toEqual([]);
  });

  it('reports partial batch failures on every stream and queue trigger', () => {
    expect(auditPartialBatchResponses(deployed[name]!)).toEqual([]);
  });

  it('declares every log group, each with a retention', () => {
    expect(auditLogRetention(deployed[name]!)).toEqual([]);
  });

  it('alarms on DLQ depth, iterator age, Firehose delivery and processing, function errors and throttles', () => {
    expect(auditAlarms(deployed[name]!)).toEqual([]);
  });

  it('links every alarm to a runbook section of docs/OPERATIONS.md that says what, where and how', async () => {
    const operations = await readFile(path.join(REPO_ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
    expect(auditAlarmRunbooks(raw[name]!, operations)).toEqual([]);
  });

  it('watches (alarms, dashboard) only custom metrics the service publishes, under its dimensions', () => {
    expect(auditPipelineMetrics(raw[name]!)).toEqual([]);
  });

  it('notifies the alarm topic param from every alarm', () => {
    const topic = SERVICES[name]!.alarmTopicArn;
    expect(topic).toMatch(/^arn:aws:sns:/);
    const alarms = resourcesOfType(deployed[name]!, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const { resource } of alarms) {
      expect(resource.Properties?.AlarmActions).toEqual([topic]);
      expect(resource.Properties?.OKActions).toEqual([topic]);
    }
  });

  it('takes credentials only from Secrets Manager or IAM, never from plain values', () => {
    expect(auditSecrets(deployed[name]!)).toEqual([]);
  });

  it('conforms to the CloudFormation resource specifications with these params', async () => {
    expect(await validateResourceProperties(raw[name]!)).toEqual([]);
  });
});

describe('across the pipeline', () => {
  it("draws the stage's dashboard from every service's metrics", () => {
    const [dashboard] = resourcesOfType(deployed['ingest-transform']!, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.resource.Properties?.DashboardBody);
    for (const service of NAMES) expect(body).toContain(service);
    // The other services' functions and failure queues, by the names their stacks give them.
    const names = [
      ...['msk-consumer', 'analytics-sink', 'report-runner'].flatMap((service) =>
        resourcesOfType(deployed[service]!, 'AWS::Lambda::Function').map(
          ({ resource }) => resource.Properties?.FunctionName,
        ),
      ),
      deployed['report-runner']!.Resources.DeadLetterQueue?.Properties?.QueueName,
      deployed['analytics-sink']!.Resources.SinkFailureQueue?.Properties?.QueueName,
    ];
    // consumer, sink, runner and books; the DLQ and the sink's failure queue.
    expect(names).toHaveLength(6);
    for (const name of names) expect(body).toContain(String(name));
  });

  it('finds the three failure queues the DLQ-depth alarms cover', () => {
    const queues = NAMES.flatMap((name) => deadLetterQueues(deployed[name]!).map((id) => `${name}/${id}`));
    expect(queues.sort()).toEqual([
      'analytics-sink/SinkFailureQueue',
      'msk-consumer/OnFailureQueue',
      'report-runner/DeadLetterQueue',
    ]);
  });

  it('uses every entry of the resource-wildcard allow-list (no stale justifications)', () => {
    const used = new Set(NAMES.flatMap((name) => usedResourceWildcards(raw[name]!)));
    expect(Object.keys(RESOURCE_WILDCARD_ALLOWANCES).filter((action) => !used.has(action))).toEqual([]);
  });

  it('takes the SASL/SCRAM credentials of the MSK mapping from the Secrets Manager secret param', () => {
    const [mapping] = resourcesOfType(deployed['msk-consumer']!, 'AWS::Lambda::EventSourceMapping');
    expect(mapping?.resource.Properties?.SourceAccessConfigurations).toEqual([
      { Type: 'SASL_SCRAM_512_AUTH', URI: SERVICES['msk-consumer']!.mskSaslScramSecretArn },
    ]);
  });

  it('lets Redshift manage the created warehouse admin password in Secrets Manager', () => {
    const [namespace] = resourcesOfType(deployed['report-runner']!, 'AWS::RedshiftServerless::Namespace');
    expect(namespace?.resource.Properties).toMatchObject({ ManageAdminPassword: true });
    expect(namespace?.resource.Properties).not.toHaveProperty('AdminUserPassword');
  });
});
