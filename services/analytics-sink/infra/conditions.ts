import { alarmConditions } from '@pipeline/shared/serverless';

export const conditions = {
  ...alarmConditions,
  UsesRedshiftServerless: { 'Fn::Equals': ['${param:warehouse}', 'redshift-serverless'] },
  StoresInBucket: { 'Fn::Equals': ['${param:warehouse}', 'none'] },
  HasWarehouseUrlSecret: {
    'Fn::And': [
      { 'Fn::Equals': ['${param:warehouse}', 'postgres'] },
      { 'Fn::Not': [{ 'Fn::Equals': ['${param:warehouseUrlSecretArn}', 'none'] }] },
    ],
  },
};
