import { esbuildDefaults, providerDefaults, ref } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';
import { alarms } from './infra/alarms';
import { conditions } from './infra/conditions';
import { deliveryLogs, deliveryStream } from './infra/delivery';
import { functions } from './infra/functions';
import { glue } from './infra/glue';
import { firehoseRole, iotRuleRole, transformStatements } from './infra/iam';
import { iot } from './infra/iot';
import { outputs } from './infra/outputs';
import { params } from './infra/params';
import { service } from './infra/service';
import { stageParameters } from './infra/ssm';
import { storage } from './infra/storage';
import { hubStream } from './infra/stream';

// The stack, assembled from infra/: one module per concern.
const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  params,
  provider: {
    ...providerDefaults(service),
    iam: { role: { statements: transformStatements } },
  },
  package: { individually: true },
  custom: {
    esbuild: { ...esbuildDefaults, outputWorkFolder: '${param:esbuildWorkFolder}' },
    hubStreamName: '${self:service}-${sls:stage}-telemetry',
    deliveryStreamName: '${self:service}-${sls:stage}-lake',
    glueDatabaseName: 'pipeline_${sls:stage}',
    glueTableName: 'telemetry',
    registryTableName: 'device_registry',
    // `sls invoke local` resolves a CloudFormation Ref through the AWS API; the local stage names
    // the local cloud's ingest bucket folder instead, and reads the registry from there.
    registryBucket: { default: ref('IngestBucket'), local: 'local-ingest' },
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions,
  resources: {
    Conditions: conditions,
    Resources: {
      ...hubStream,
      ...storage,
      ...stageParameters,
      ...glue,
      ...deliveryLogs,
      ...firehoseRole,
      ...deliveryStream,
      ...alarms,
      ...iotRuleRole,
      ...iot,
    },
    Outputs: outputs,
  },
};

module.exports = config;
