import path from 'node:path';
import { packageFailure } from '@pipeline/shared/testing';

const SERVICE_DIR = path.resolve(__dirname, '..');

// Misconfiguration fails at package time, never in CloudFormation: src/params.ts holds the rules,
// which osls runs while it resolves the config (shared/src/serverless/check-params.cjs).
describe('sls package refuses parameters AWS would refuse', () => {
  it.each([
    [
      'warehouse=redshift-serverless and a workgroup name but no ARN',
      { warehouse: 'redshift-serverless', redshiftWorkgroupName: 'pipeline', redshiftWorkgroupArn: 'none' },
      ['--param redshiftWorkgroupArn=none: must be set'],
    ],
    [
      'a malformed workgroup ARN, hub stream ARN and out-of-range numbers',
      {
        warehouse: 'redshift-serverless',
        redshiftWorkgroupName: 'pipeline',
        redshiftWorkgroupArn: 'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline',
        hubStreamArn: 'telemetry',
        tumblingWindowSeconds: '1000',
        batchSize: '0',
        logRetentionInDays: '31',
      },
      [
        '--param redshiftWorkgroupArn=arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline: must be a Redshift Serverless workgroup ARN',
        '--param hubStreamArn=telemetry: must be a Kinesis stream ARN',
        '--param tumblingWindowSeconds=1000: must be an integer from 1 to 900',
        '--param batchSize=0: must be an integer from 1 to 10000',
        '--param logRetentionInDays=31: must be one of 1, 3, 5',
      ],
    ],
    [
      'warehouse=postgres without a URL secret outside stage local',
      { warehouse: 'postgres' },
      ['--param warehouseUrlSecretArn=none: must be set with warehouse=postgres outside stage local'],
    ],
    [
      'a malformed URL secret and alarm topic',
      { warehouse: 'postgres', warehouseUrlSecretArn: 'pipeline-warehouse', alarmTopicArn: 'alarms' },
      [
        '--param warehouseUrlSecretArn=pipeline-warehouse: must be a Secrets Manager secret ARN',
        '--param alarmTopicArn=alarms: must be an SNS topic ARN',
      ],
    ],
  ])(
    'with %s, naming each parameter',
    async (_, params, messages) => {
      const output = await packageFailure(SERVICE_DIR, { stage: 'test', params });
      expect(output).toContain('Invalid deployment parameters of analytics-sink:');
      for (const message of messages) expect(output).toContain(message);
    },
    120_000,
  );
});
