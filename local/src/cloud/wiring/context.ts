import { Logger } from '@aws-lambda-powertools/logger';
import { LOCAL_STAGE } from '@pipeline/shared/runtime';
import type { AWS } from 'osls';
import type { ManualClock } from '../../aws/clock';
import { Random } from '../../simulators/random';
import { FaultPlan, type FaultSettings } from '../faults';
import type { LocalLayout } from '../layout';
import { MetricsRecorder, RecordingMetrics } from '../metrics';
import {
  checkServiceParams,
  functionEnvironment,
  loadServiceConfig,
  resolveVariables,
  stageParams,
  type ServiceName,
} from '../service-config';

export type LakeFormat = 'parquet' | 'json';

/** Settings a local run may override; everything else comes from the services' own parameters. */
export interface LocalCloudSettings {
  layout: LocalLayout;
  clock: ManualClock;
  format: LakeFormat;
  /** Hub shards (the deployed default is on-demand; provisioned mode defaults to 2). */
  shards?: number;
  kafkaPartitions?: number;
  /** Overrides of service parameters (same names as in each serverless.ts). */
  params?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Powertools log level of every function (default ERROR: the progress line stays readable). */
  logLevel?: string;
  seed?: string;
  /** Faults to inject (`--faults`); none when absent or empty. */
  faults?: FaultSettings;
}

/** A parameter or event source setting as a number; fails naming it when it is not one. */
export const num = (value: unknown, name: string): number => {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`${name} is not a number: ${String(value)}`);
  return number;
};

/** A service's Lambda runtime in the local cloud: its logger, and metrics into the local CloudWatch. */
export interface ServiceRuntime {
  logger: Logger;
  metrics: RecordingMetrics;
}

/**
 * One service as its own `serverless.ts` deploys it on stage `local`, with the run's parameter
 * overrides: what its wiring reads instead of hard-coding a setting.
 */
export interface LocalService {
  readonly params: Record<string, unknown>;
  /** A function's environment (provider's, then its own), every variable resolved. */
  environment(functionName: string): Record<string, string>;
  /** The first event of a type in a function's `events` list, its variables resolved. */
  event(functionName: string, type: string): Record<string, unknown>;
  timeoutSeconds(functionName: string): number;
  /** A fresh logger (at the run's log level) and metrics for the service's handlers. */
  runtime(): ServiceRuntime;
}

/** What every service's wiring shares: the run's settings, clock, seed, faults and CloudWatch. */
export interface WiringContext {
  readonly settings: LocalCloudSettings;
  readonly clock: ManualClock;
  readonly layout: LocalLayout;
  readonly recorder: MetricsRecorder;
  /** The run's seeded randomness (the consumer's retry jitter). */
  readonly random: Random;
  /** The injected faults' schedule and books, when faults are on. */
  readonly faults: FaultPlan | undefined;
  /** Every service's parameters as this run resolved them. */
  readonly params: Record<ServiceName, Record<string, unknown>>;
  service(name: ServiceName): LocalService;
  /** What closing the cloud releases besides the simulators and the warehouse, in this order. */
  readonly closers: (() => Promise<void> | void)[];
}

const SERVICES: readonly ServiceName[] = [
  'ingest-transform',
  'msk-consumer',
  'report-runner',
  'analytics-sink',
];

/**
 * Reads every service's `serverless.ts`, resolves its parameters on stage `local` with the run's
 * overrides and checks them with the service's own parameter rules (as `sls package` would).
 */
export const wiringContext = async (settings: LocalCloudSettings): Promise<WiringContext> => {
  const { clock, layout } = settings;
  const recorder = new MetricsRecorder();
  const logLevel = settings.logLevel ?? 'ERROR';
  const configs = Object.fromEntries(
    await Promise.all(SERVICES.map(async (service) => [service, await loadServiceConfig(service)] as const)),
  ) as Record<ServiceName, AWS>;
  const params = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      stageParams(configs[service], LOCAL_STAGE, settings.params?.[service] ?? {}),
    ]),
  ) as Record<ServiceName, Record<string, unknown>>;
  for (const service of SERVICES) checkServiceParams(service, configs[service], LOCAL_STAGE, params[service]);

  const service = (name: ServiceName): LocalService => {
    const config = configs[name];
    const resolved = { config, stage: LOCAL_STAGE, params: params[name] };
    return {
      params: params[name],
      environment: (fn) => functionEnvironment(config, fn, { stage: LOCAL_STAGE, params: params[name] }),
      event: (fn, type) => {
        const events = (config.functions?.[fn]?.events ?? []) as Record<string, unknown>[];
        const event = events.find((candidate) => type in candidate)?.[type];
        if (!event) throw new Error(`${config.service}.${fn} has no ${type} event`);
        return resolveVariables(event, resolved) as Record<string, unknown>;
      },
      // Unset everywhere, osls packages 6 s (node_modules/osls/lib/plugins/aws/package/compile/functions.js).
      timeoutSeconds: (fn) => num(config.functions?.[fn]?.timeout ?? config.provider.timeout ?? 6, 'timeout'),
      runtime: () => ({
        logger: new Logger({ serviceName: name, logLevel: logLevel as never }),
        metrics: new RecordingMetrics(recorder, name),
      }),
    };
  };

  return {
    settings,
    clock,
    layout,
    recorder,
    random: new Random(`local-cloud:${settings.seed ?? 'seed'}`),
    faults:
      settings.faults && settings.faults.kinds.length > 0
        ? new FaultPlan(settings.faults, clock.now())
        : undefined,
    params,
    service,
    closers: [],
  };
};
