import type { AWS } from 'osls';
import { ParamsError, UnresolvedDynamicReferenceError } from '@pipeline/shared/serverless';
import {
  checkServiceParams,
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

  it('resolves a stage value (ssm dynamic reference) from the parameter store, as CloudFormation does, never passing it on as text', () => {
    const withStageValue = {
      ...config,
      params: { default: { size: '5', name: '{{resolve:ssm:/pipeline/${sls:stage}/bucket-name}}' } },
      functions: { worker: { handler: 'src/handler.handler', environment: { NAME: '${param:name}' } } },
    } as unknown as AWS;
    const params = stageParams(withStageValue, 'dev');
    expect(
      functionEnvironment(withStageValue, 'worker', {
        stage: 'dev',
        params,
        parameterStore: { '/pipeline/dev/bucket-name': 'demo-dev-bucket' },
      }),
    ).toEqual({ STAGE: 'dev', NAME: 'demo-dev-bucket' });
    expect(() => functionEnvironment(withStageValue, 'worker', { stage: 'dev', params })).toThrow(
      UnresolvedDynamicReferenceError,
    );
  });

  it("refuses to run a service on a stage without local values when the producer's values are not published", async () => {
    const sink = await loadServiceConfig('analytics-sink');
    expect(() =>
      functionEnvironment(sink, 'sink', {
        stage: 'dev',
        params: stageParams(sink, 'dev'),
        overrides: { REALTIME_BUCKET: 'local-realtime', ALERT_TARGET: 'log' },
      }),
    ).toThrow(/SSM parameter \/pipeline\/dev\/ingest-bucket-name does not exist/);
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

  // The same rules `sls package` runs (each service's src/params.ts): a local run fails where AWS would.
  it("refuses a local stage's parameter that AWS would refuse, naming it, and accepts the defaults", async () => {
    const sink = await loadServiceConfig('analytics-sink');
    expect(() =>
      checkServiceParams('analytics-sink', sink, 'local', stageParams(sink, 'local')),
    ).not.toThrow();
    const check = () =>
      checkServiceParams(
        'analytics-sink',
        sink,
        'local',
        stageParams(sink, 'local', { tumblingWindowSeconds: '901' }),
      );
    expect(check).toThrow(ParamsError);
    expect(check).toThrow('--param tumblingWindowSeconds=901: must be an integer from 1 to 900');
    const transform = await loadServiceConfig('ingest-transform');
    expect(() =>
      checkServiceParams(
        'ingest-transform',
        transform,
        'local',
        stageParams(transform, 'local', { s3BufferSizeMB: 32 }),
      ),
    ).toThrow('--param s3BufferSizeMB=32: must be an integer from 64 to 128');
  });
});
