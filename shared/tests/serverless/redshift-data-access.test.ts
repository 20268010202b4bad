import { followOwnStatements } from '../../src/serverless';

describe('a role running warehouse statements through the Redshift Data API', () => {
  it('follows, reads and cancels only the statements it started itself', () => {
    expect(followOwnStatements).toEqual({
      Sid: 'FollowOwnStatements',
      Effect: 'Allow',
      Action: [
        'redshift-data:DescribeStatement',
        'redshift-data:GetStatementResult',
        'redshift-data:CancelStatement',
      ],
      Resource: '*',
      Condition: {
        StringEquals: { 'redshift-data:statement-owner-iam-userid': { 'Fn::Sub': '${!aws:userid}' } },
      },
    });
  });
});
