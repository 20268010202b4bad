import { ARN } from '../../src';
import {
  alarmParamRules,
  arnOf,
  assertParams,
  commonParamRules,
  eventTimeParamRules,
  integerIn,
  noneOr,
  numberIn,
  paramProblems,
  ParamsError,
  postgresParamRules,
  redshiftServerlessParamRules,
  type ParamContext,
} from '../../src/serverless';

const at = (params: Record<string, unknown>, stage = 'dev'): ParamContext => ({ params, stage });
const WORKGROUP_ARN =
  'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-warehouse-AbCdEf';

describe('deployment parameter rules', () => {
  it('checks integer and decimal ranges inclusively, refusing what is not a number', () => {
    const window = integerIn(1, 900);
    expect(['1', '900'].map((value) => window(value, at({})))).toEqual([undefined, undefined]);
    for (const value of ['0', '901', '60.5', 'sixty', ''])
      expect(window(value, at({}))).toBe('must be an integer from 1 to 900');
    expect(numberIn(0.2, 3)('0.2', at({}))).toBeUndefined();
    expect(numberIn(0.2, 3)('0.1', at({}))).toBe('must be a number from 0.2 to 3');
  });

  it('keeps the future skew within the day the Glue tables project ahead of the clock (NOW+1DAYS)', () => {
    // A reading up to maxFutureSkewSeconds ahead lands in that day's dt= folder; Athena lists no
    // date after the projection range's end (partition-projection-kinesis-firehose-example-using-the-date-type).
    const skew = eventTimeParamRules.maxFutureSkewSeconds!;
    expect(skew('86400', at({}))).toBeUndefined();
    expect(skew('86401', at({}))).toBe('must be an integer from 1 to 86400');
  });

  it('accepts none for an optional value and refuses the empty spelling osls cannot pass', () => {
    const topic = noneOr(arnOf(ARN.snsTopic));
    expect(topic('none', at({}))).toBeUndefined();
    expect(topic('', at({}))).toBe('must be set, or none');
    expect(topic('arn:aws:sns:eu-west-1:123456789012:pipeline-alarms', at({}))).toBeUndefined();
    expect(topic('pipeline-alarms', at({}))).toMatch(/^must be an SNS topic ARN/);
  });

  it('accepts only the log retentions CloudWatch Logs accepts', () => {
    const retention = commonParamRules.logRetentionInDays!;
    expect(retention('30', at({}))).toBeUndefined();
    expect(retention('3653', at({}))).toBeUndefined();
    expect(retention('31', at({}))).toMatch(/^must be one of 1, 3, 5, 7, 14, 30/);
  });

  it('refuses an alarm topic that is not an SNS topic ARN', () => {
    expect(
      paramProblems(alarmParamRules, at({ alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' })),
    ).toEqual([expect.objectContaining({ name: 'alarmTopicArn' })]);
  });

  describe('warehouse=redshift-serverless', () => {
    const redshift = (params: Record<string, string>) =>
      paramProblems(redshiftServerlessParamRules, at({ warehouse: 'redshift-serverless', ...params }));

    it('needs the workgroup ARN next to its name: none would become an IAM Resource of none', () => {
      expect(redshift({ redshiftWorkgroupName: 'pipeline', redshiftWorkgroupArn: 'none' })).toEqual([
        { name: 'redshiftWorkgroupArn', value: 'none', problem: 'must be set' },
      ]);
    });

    it('refuses a workgroup ARN that names the workgroup instead of its id, or another service', () => {
      for (const value of [
        'arn:aws:redshift-serverless:eu-west-1:123456789012:workgroup/pipeline',
        'arn:aws:redshift:eu-west-1:123456789012:cluster:pipeline',
      ])
        expect(redshift({ redshiftWorkgroupName: 'pipeline', redshiftWorkgroupArn: value })).toEqual([
          expect.objectContaining({
            name: 'redshiftWorkgroupArn',
            problem: expect.stringMatching(/^must be a Redshift Serverless workgroup ARN/),
          }),
        ]);
    });

    it('accepts a name and a well-formed ARN, and ignores both for other warehouses', () => {
      expect(redshift({ redshiftWorkgroupName: 'pipeline', redshiftWorkgroupArn: WORKGROUP_ARN })).toEqual(
        [],
      );
      expect(
        paramProblems(
          redshiftServerlessParamRules,
          at({ warehouse: 'postgres', redshiftWorkgroupArn: 'none' }),
        ),
      ).toEqual([]);
    });
  });

  describe('warehouse=postgres', () => {
    const postgres = (params: Record<string, string>, stage = 'dev') =>
      paramProblems(postgresParamRules, at({ warehouse: 'postgres', ...params }, stage));

    it('needs the URL secret outside stage local when the URL cannot serve a deployed function', () => {
      for (const warehouseUrl of ['none', 'postgres://postgres@127.0.0.1:5432/postgres'])
        expect(postgres({ warehouseUrl, warehouseUrlSecretArn: 'none' })).toEqual([
          expect.objectContaining({
            name: 'warehouseUrlSecretArn',
            problem: expect.stringMatching(/^must be set with warehouse=postgres outside stage local/),
          }),
        ]);
      expect(
        postgres(
          { warehouseUrl: 'postgres://postgres@127.0.0.1:5432/postgres', warehouseUrlSecretArn: 'none' },
          'local',
        ),
      ).toEqual([]);
    });

    it('accepts a secret, or a password-less URL of a reachable host', () => {
      expect(postgres({ warehouseUrl: 'none', warehouseUrlSecretArn: SECRET_ARN })).toEqual([]);
      expect(
        postgres({
          warehouseUrl: 'postgres://sink@db.internal:5432/pipeline',
          warehouseUrlSecretArn: 'none',
        }),
      ).toEqual([]);
    });

    it('refuses a malformed secret ARN and a URL with a password outside stage local', () => {
      expect(postgres({ warehouseUrl: 'none', warehouseUrlSecretArn: 'pipeline-warehouse' })).toEqual([
        expect.objectContaining({
          name: 'warehouseUrlSecretArn',
          problem: expect.stringMatching(/^must be a Secrets Manager secret ARN/),
        }),
      ]);
      expect(
        postgres({
          warehouseUrl: 'postgres://sink:pw@db.internal/pipeline',
          warehouseUrlSecretArn: SECRET_ARN,
        }),
      ).toEqual([
        expect.objectContaining({
          name: 'warehouseUrl',
          problem: expect.stringMatching(/^must not carry a password/),
        }),
      ]);
    });
  });

  it('leaves values only CloudFormation or osls can know (an intrinsic, a variable) to them', () => {
    const rules = { alertTarget: arnOf(ARN.snsTopic), glueDatabaseName: integerIn(1, 2) };
    expect(
      paramProblems(
        rules,
        at({ alertTarget: { Ref: 'AlertTopic' }, glueDatabaseName: 'pipeline_${sls:stage}' }),
      ),
    ).toEqual([]);
  });

  it('reports every problem at once, each line naming the --param', () => {
    const rules = { tumblingWindowSeconds: integerIn(1, 900), batchSize: integerIn(1, 10_000) };
    const check = () =>
      assertParams('analytics-sink', rules, at({ tumblingWindowSeconds: '1000', batchSize: '' }));
    expect(check).toThrow(ParamsError);
    expect(check).toThrow(
      [
        'Invalid deployment parameters of analytics-sink:',
        '  --param tumblingWindowSeconds=1000: must be an integer from 1 to 900',
        '  --param batchSize=(empty): must be an integer from 1 to 10000',
      ].join('\n'),
    );
  });
});
