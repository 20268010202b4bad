import type { AWS } from 'osls';
import {
  functionEnvironment,
  loadServiceConfig,
  resolveVariables,
  stageParams,
  UnresolvedVariableError,
} from '../../src/cloud/service-config';

const config = {
  service: 'demo',
  custom: { bucket: { local: '${self:service}-${sls:stage}-bucket' }, table: 'events' },
  params: {
    default: { size: '5', name: 'demo-${sls:stage}', topic: { Ref: 'Topic' } },
    local: { size: '7' },
  },
  provider: { name: 'aws', environment: { STAGE: '${sls:stage}' } },
  functions: {
    worker: {
      handler: 'src/handler.handler',
      environment: {
        SIZE: '${param:size}',
        NAME: '${param:name}',
        BUCKET: '${self:custom.bucket.${sls:stage}, self:custom.bucket.default}',
        FALLBACK: "${self:custom.missing, 'plain'}",
        TOPIC: '${param:topic}',
      },
    },
  },
} as unknown as AWS;

describe('service configuration on stage local', () => {
  it('resolves params (stage over default), nested variables, self references and fallbacks', () => {
    const params = stageParams(config, 'local');
    expect(
      functionEnvironment(config, 'worker', { stage: 'local', params, overrides: { TOPIC: 'log' } }),
    ).toEqual({
      STAGE: 'local',
      SIZE: '7',
      NAME: 'demo-local',
      BUCKET: 'demo-local-bucket',
      FALLBACK: 'plain',
      TOPIC: 'log',
    });
  });

  it('refuses a CloudFormation reference left in the environment, and unknown variable sources', () => {
    const params = stageParams(config, 'local');
    expect(() => functionEnvironment(config, 'worker', { stage: 'local', params })).toThrow(
      UnresolvedVariableError,
    );
    expect(() => resolveVariables('${ssm:/secret}', { config, stage: 'local', params })).toThrow(
      UnresolvedVariableError,
    );
  });

  it("reads each service's own serverless.ts: the local stage's names and defaults", async () => {
    const expectations = {
      'msk-consumer': [
        'consumer',
        {
          HUB_STREAM_NAME: 'ingest-transform-local-telemetry',
          QUARANTINE_BUCKET: 'msk-consumer-local-quarantine',
        },
      ],
      'report-runner': ['runner', { INGEST_BUCKET: 'local-ingest', LATE_AFTER_SECONDS: '900' }],
      'analytics-sink': ['sink', { ALERT_TARGET: 'log', WAREHOUSE: 'postgres' }],
      'ingest-transform': ['transform', { MAX_RECORD_BYTES: '65536', STAGE: 'local' }],
    } as const;
    for (const [service, [fn, expected]] of Object.entries(expectations)) {
      const serviceConfig = await loadServiceConfig(service as keyof typeof expectations);
      const environment = functionEnvironment(serviceConfig, fn, {
        stage: 'local',
        params: stageParams(serviceConfig, 'local'),
      });
      expect(environment).toMatchObject(expected);
    }
  });
});
