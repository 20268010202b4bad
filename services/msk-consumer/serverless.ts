import { alarmTemplateParameters, esbuildDefaults, providerDefaults, ref } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';
import { alarms } from './infra/alarms';
import { conditions } from './infra/conditions';
import { functionExtensions, functions } from './infra/functions';
import { glue } from './infra/glue';
import { iam } from './infra/iam';
import { outputs } from './infra/outputs';
import { params } from './infra/params';
import { queues } from './infra/queues';
import { service } from './infra/service';
import { storage } from './infra/storage';

// The stack, assembled from infra/: one module per concern.
const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  params,
  provider: providerDefaults(service),
  package: { individually: true },
  custom: {
    esbuild: { ...esbuildDefaults, outputWorkFolder: '${param:esbuildWorkFolder}' },
    // `sls invoke local` resolves a CloudFormation Ref through the AWS API; the local stage names
    // its quarantine folder instead, so it runs offline.
    quarantineBucket: { default: ref('QuarantineBucket'), local: '${self:service}-local-quarantine' },
    // Values the Conditions compare, as template parameters (resources.Parameters; shared/src/serverless/alarms.ts).
    templateParameters: alarmTemplateParameters,
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions,
  resources: {
    Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}' as never,
    Conditions: conditions,
    Resources: { ...queues, ...alarms, ...storage, ...glue, ...iam },
    extensions: functionExtensions,
    Outputs: outputs,
  },
};

module.exports = config;
