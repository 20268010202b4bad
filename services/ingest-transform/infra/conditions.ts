import { alarmTopicConditions } from '@pipeline/shared/serverless';

export const conditions = {
  ...alarmTopicConditions,
  IsProvisioned: { 'Fn::Equals': ['${param:streamMode}', 'PROVISIONED'] },
  IsParquet: { 'Fn::Equals': ['${param:lakeFormat}', 'parquet'] },
  IotRuleEnabled: { 'Fn::Equals': ['${param:iotRuleEnabled}', 'true'] },
  WatchesHubSilence: { 'Fn::Not': [{ 'Fn::Equals': ['${param:alarmMinIncomingRecords}', '0'] }] },
};
