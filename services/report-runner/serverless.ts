// report-runner's stack, assembled from its modules in infra/ (each names what it is for).
import { esbuildDefaults, providerDefaults } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';
import { alarmResources } from './infra/alarms';
import { athenaResources } from './infra/athena';
import { conditions } from './infra/conditions';
import { books, booksExtensions } from './infra/functions/books';
import { runner, runnerEnvironment, runnerExtensions } from './infra/functions/runner';
import { roleResources } from './infra/iam';
import { outputs } from './infra/outputs';
import { params, templateParameters } from './infra/params';
import { quickSightStackResources } from './infra/quicksight';
import { deadLetterQueueResources, runQueueResources } from './infra/queues';
import { storageResources } from './infra/storage';
import { warehouseResources } from './infra/warehouse';

const service = 'report-runner';

const config: AWS = {
  service,
  frameworkVersion: '4',
  configValidationMode: 'error',
  plugins: ['serverless-esbuild'],
  params: params(service),
  provider: providerDefaults(service),
  package: { individually: true, patterns: ['sql/*.sql'] },
  custom: {
    runnerEnvironment,
    // pg's optional native binding is never used; the local engines are only ever loaded from
    // node_modules by the local stage's entry (they have native and WASM parts).
    esbuild: {
      ...esbuildDefaults,
      exclude: [...esbuildDefaults.exclude, 'pg-native', '@duckdb/node-api', '@electric-sql/pglite'],
      outputWorkFolder: '${param:esbuildWorkFolder}',
    },
    templateParameters,
    // Fails package/deploy naming the parameter when a value would only fail in AWS (src/params.ts).
    checkedParams: '${file(../../shared/src/serverless/check-params.cjs)}',
  },
  functions: { runner, books },
  resources: {
    Parameters: '${file(../../shared/src/serverless/template-parameters.cjs)}' as never,
    Conditions: conditions,
    // In this order, the order of the packaged template.
    Resources: {
      ...storageResources,
      ...deadLetterQueueResources,
      ...alarmResources,
      ...runQueueResources,
      ...athenaResources,
      ...roleResources,
      ...warehouseResources,
      ...quickSightStackResources(),
    },
    extensions: { ...runnerExtensions, ...booksExtensions },
    Outputs: outputs,
  },
};

module.exports = config;
