// analytics-sink's stack, assembled from its modules in infra/ (each names what it is for).
import { esbuildDefaults, providerDefaults } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';
import { alarmResources } from './infra/alarms';
import { alertResources } from './infra/alerts';
import { conditions } from './infra/conditions';
import { realtimeBucket, sink } from './infra/functions';
import { glueResources } from './infra/glue';
import { hubResources } from './infra/hub';
import { roleResources } from './infra/iam';
import { outputs } from './infra/outputs';
import { params, templateParameters } from './infra/params';
import { queueResources } from './infra/queues';
import { storageResources } from './infra/storage';

const service = 'analytics-sink';

const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  params: params(service),
  provider: {
    ...providerDefaults(service),
    // Only used by `consumer: true`; set so a later switch to it gets the stable naming scheme.
    kinesis: { consumerNamingMode: 'serviceSpecific' },
  },
  package: { individually: true },
  custom: {
    esbuild: { ...esbuildDefaults, outputWorkFolder: '${param:esbuildWorkFolder}' },
    realtimeBucket,
    templateParameters,
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions: { sink },
  resources: {
    Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}' as never,
    Conditions: conditions,
    // In this order, the order of the packaged template.
    Resources: {
      ...hubResources,
      ...alertResources,
      ...queueResources,
      ...alarmResources(service),
      ...storageResources,
      ...glueResources,
      ...roleResources,
    },
    Outputs: outputs,
  },
};

module.exports = config;
