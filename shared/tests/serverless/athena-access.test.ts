import { athenaQueryResults, glueArn, queryInWorkgroup } from '../../src/serverless';

describe('a role querying in one of the stack’s Athena workgroups', () => {
  it('starts, follows, reads and stops queries of that workgroup only, named by its ARN', () => {
    expect(queryInWorkgroup('AthenaWorkGroup')).toEqual({
      Sid: 'QueryInWorkgroup',
      Effect: 'Allow',
      Action: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
      ],
      Resource: {
        'Fn::Sub':
          'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${AthenaWorkGroup}',
      },
    });
  });

  it('as QuickSight also streams results and reads the workgroup’s settings', () => {
    const { Action, Resource } = queryInWorkgroup('AthenaWorkGroup', { quickSight: true });
    expect(Action).toEqual([
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:GetQueryResultsStream',
      'athena:StopQueryExecution',
      'athena:GetWorkGroup',
    ]);
    expect(Resource).toEqual(queryInWorkgroup('AthenaWorkGroup').Resource);
  });

  it('reads and writes the workgroup’s results under their prefix of the results bucket, nothing else', () => {
    expect(athenaQueryResults('ReportsBucket', 'athena-results/')).toEqual({
      Sid: 'AthenaResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: { 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' },
    });
  });

  it('names the Glue catalog, databases and tables of the stack’s account and region', () => {
    expect(glueArn('catalog')).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:catalog',
    });
    expect(glueArn('table/${param:glueDatabaseName}/telemetry')).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${param:glueDatabaseName}/telemetry',
    });
  });
});
