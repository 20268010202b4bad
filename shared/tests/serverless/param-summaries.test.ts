import { ARN } from '../../src';
import {
  alarmParamRules,
  allOf,
  arnOf,
  given,
  integerAtLeast,
  integerIn,
  noneOr,
  numberIn,
  oneOf,
  orSsmReference,
  paramIs,
  positive,
  rule,
  s3BucketName,
  when,
} from '../../src/serverless';

describe('a deployment parameter rule says what it accepts', () => {
  it('in the words of its combinator', () => {
    expect(integerIn(1, 900).summary).toBe('integer 1–900');
    expect(integerIn(-1, 10_000).summary).toBe('integer -1 to 10000');
    expect(integerAtLeast(0).summary).toBe('integer ≥ 0');
    expect(positive.summary).toBe('positive integer');
    expect(numberIn(0.2, 3).summary).toBe('number 0.2–3');
    expect(oneOf('LATEST', 'TRIM_HORIZON').summary).toBe('LATEST or TRIM_HORIZON');
    expect(oneOf('none', 'redshift-serverless', 'postgres').summary).toBe(
      'none, redshift-serverless or postgres',
    );
    expect(given.summary).toBe('required (not none)');
    expect(s3BucketName.summary).toBe('S3 bucket name');
  });

  it('naming the ARN it wants, or none', () => {
    expect(noneOr(arnOf(ARN.kinesisStream)).summary).toBe(
      'Kinesis stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>), or none',
    );
    expect(alarmParamRules.alarmTopicArn?.summary).toBe(
      'SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>), or none, or an SSM dynamic reference',
    );
    expect(orSsmReference(s3BucketName).summary).toBe('S3 bucket name, or an SSM dynamic reference');
  });

  it('with the condition under which it applies, and every part of a combination', () => {
    expect(when(paramIs('streamMode', 'PROVISIONED'), positive).summary).toBe(
      'with streamMode=PROVISIONED: positive integer',
    );
    expect(allOf(given, positive).summary).toBe('required (not none); positive integer');
  });

  it('from its own words when written by hand, checking exactly as before', () => {
    const even = rule('even integer', (value) => (Number(value) % 2 === 0 ? undefined : 'must be even'));
    expect(even.summary).toBe('even integer');
    expect(even('3', { params: {}, stage: 'dev' })).toBe('must be even');
    expect(noneOr(even).summary).toBe('even integer, or none');
  });
});
