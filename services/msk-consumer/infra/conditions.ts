import { alarmConditions, NONE } from '@pipeline/shared/serverless';

const isSet = (param: string) => ({ 'Fn::Not': [{ 'Fn::Equals': [`\${param:${param}}`, NONE] }] });

export const conditions = {
  ...alarmConditions,
  HasMskCluster: isSet('mskClusterArn'),
  UseSaslScram: { 'Fn::And': [{ Condition: 'HasMskCluster' }, isSet('mskSaslScramSecretArn')] },
  UseIamAuth: {
    'Fn::And': [{ Condition: 'HasMskCluster' }, { 'Fn::Not': [{ Condition: 'UseSaslScram' }] }],
  },
  UseProvisionedPollers: {
    'Fn::And': [{ Condition: 'HasMskCluster' }, { 'Fn::Equals': ['${param:mskPollerMode}', 'PROVISIONED'] }],
  },
  InVpc: { 'Fn::And': [isSet('vpcSubnetIds'), isSet('vpcSecurityGroupIds')] },
  HasHubStreamArn: isSet('hubStreamArn'),
};
