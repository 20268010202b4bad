import { alarmConditions } from '@pipeline/shared/serverless';
import { QUICKSIGHT_CONDITIONS } from './quicksight';

export const conditions = {
  ...alarmConditions,
  ...QUICKSIGHT_CONDITIONS,
  CreateWarehouse: { 'Fn::Equals': ['${param:warehouse}', 'create-serverless'] },
  PublishDashboard: { 'Fn::Equals': ['${param:dashboard}', 'enabled'] },
  // Without a warehouse the dashboard reads report outputs and the real-time tables.
  DashboardWithoutWarehouse: {
    'Fn::And': [{ Condition: 'PublishDashboard' }, { 'Fn::Equals': ['${param:warehouse}', 'none'] }],
  },
  HasKafkaQuarantine: { 'Fn::Not': [{ 'Fn::Equals': ['${param:kafkaQuarantineBucketArn}', 'none'] }] },
  ExistingServerless: { 'Fn::Equals': ['${param:warehouse}', 'redshift-serverless'] },
  ExistingCluster: { 'Fn::Equals': ['${param:warehouse}', 'redshift-cluster'] },
  UsesServerless: { 'Fn::Or': [{ Condition: 'CreateWarehouse' }, { Condition: 'ExistingServerless' }] },
  HasClusterSecret: {
    'Fn::And': [
      { Condition: 'ExistingCluster' },
      { 'Fn::Not': [{ 'Fn::Equals': ['${param:redshiftSecretArn}', 'none'] }] },
    ],
  },
  HasWarehouseUrlSecret: {
    'Fn::And': [
      { 'Fn::Equals': ['${param:warehouse}', 'postgres'] },
      { 'Fn::Not': [{ 'Fn::Equals': ['${param:warehouseUrlSecretArn}', 'none'] }] },
    ],
  },
  HasClusterDbUser: {
    'Fn::And': [
      { Condition: 'ExistingCluster' },
      { 'Fn::Not': [{ 'Fn::Equals': ['${param:redshiftDbUser}', 'none'] }] },
    ],
  },
};
