/**
 * `npm run preflight`: everything about a stage's deployment that can be known offline, checked
 * before `sls deploy` is typed. Each service's parameters are resolved from the sources osls uses
 * (`--param`, which compose's `params` become; the service's `params.<stage>`, which the stage file
 * config/<stage>.yml fills; `params.default`), each service's own package-time rules run on them,
 * then the rules no single service can check: values several services must share, ARNs of another
 * region, placeholders nobody replaced.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  paramProblems,
  readStageConfigs,
  ssmReferenceOf,
  STAGE_PARAMETERS,
  stageParameterName,
  withStageConfigs,
  type ParamProblem,
  type StageConfig,
  type StageParameter,
} from '@pipeline/shared/serverless';
import { load } from 'js-yaml';
import type { AWS } from 'osls';
import {
  loadServiceConfig,
  paramRulesOf,
  resolveVariables,
  UnresolvedVariableError,
  type ServiceName,
} from '../cloud/service-config';
import { costItems, idleCostPerMonth, subtotal, type CostItem, type CostSettings } from './cost-model';

/** The services in compose's deploy order (ingest-transform first: the others take its outputs). */
export const SERVICES: readonly ServiceName[] = [
  'ingest-transform',
  'report-runner',
  'msk-consumer',
  'analytics-sink',
];

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Where a parameter's value comes from. */
export type ParamSource = 'default' | 'stage' | 'compose' | 'cli';

export interface ResolvedParam {
  value: string;
  /** A CloudFormation intrinsic (e.g. `{ Ref }`), known only at deploy time: rules skip it. */
  intrinsic?: unknown;
  source: ParamSource;
  /**
   * Where the value is taken from at deploy time: for `compose` the output it is (e.g.
   * "ingest-transform.HubStreamArn"); for an ssm dynamic reference the SSM parameter and the
   * stack that publishes it.
   */
  from?: string;
}

export interface ServicePlan {
  service: ServiceName;
  stack: string;
  params: Record<string, ResolvedParam>;
  problems: ParamProblem[];
  functions: string[];
  /** Resources CloudFormation creates, with their type; `off` names those a condition turns off. */
  resources: { id: string; type: string }[];
  off: { id: string; condition: string }[];
  /** The stacks that must be deployed to the stage first: they publish values this one reads. */
  needsFirst: ServiceName[];
}

/** A problem that involves one parameter of one service (or several, named in `problem`). */
export interface PreflightProblem {
  service: ServiceName;
  name: string;
  value: string;
  problem: string;
}

export interface PreflightReport {
  stage: string;
  region: string;
  regionSource: string;
  services: ServicePlan[];
  problems: PreflightProblem[];
  cost: { settings: CostSettings; items: CostItem[]; subtotal: number; idlePerMonth: number };
}

export interface PreflightInput {
  stage: string;
  /** `--region`; otherwise the stage file's, AWS_REGION, AWS_DEFAULT_REGION, us-east-1 (as provider.region). */
  region?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Per service, `--param` values (a service deployed alone). */
  cliParams?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Services deployed on their own (`sls deploy` in their folder): compose passes them nothing. */
  alone?: readonly ServiceName[];
  /** The services' configs in {@link SERVICES} order; default: each `serverless.ts` (with config/*.yml). */
  configs?: AWS[];
  composeFile?: string;
  /** The stage file to use instead of config/<stage>.yml (tests). */
  stageConfig?: StageConfig;
}

/** `params` of a service in serverless-compose.yml: name to `${service.Output}`. */
export const composeParams = (
  file = path.join(REPO_ROOT, 'serverless-compose.yml'),
): Record<string, Record<string, string>> => {
  const compose = load(readFileSync(file, 'utf8')) as {
    services: Record<string, { params?: Record<string, string> }>;
  };
  return Object.fromEntries(
    Object.entries(compose.services).map(([name, { params }]) => [name, params ?? {}]),
  );
};

/** The region osls deploys a stage to: PROVIDER_REGION's sources, in order. */
export const deployRegion = (
  stage: string,
  region: string | undefined,
  stageConfig: StageConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { region: string; source: string } => {
  if (region) return { region, source: '--region' };
  if (stageConfig?.region) return { region: stageConfig.region, source: stageConfig.file };
  if (env.AWS_REGION) return { region: env.AWS_REGION, source: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION' };
  return {
    region: 'us-east-1',
    source: `the default (no --region, config/${stage}.yml region or AWS_REGION)`,
  };
};

const COMPOSE_OUTPUT = /^\$\{([a-z-]+)\.(\w+)\}$/;

/** The stack that publishes the SSM parameter `name` for `stage`, if one of the services does. */
const publisherOf = (name: string, stage: string): ServiceName | undefined =>
  (Object.keys(STAGE_PARAMETERS) as StageParameter[])
    .filter((parameter) => stageParameterName(parameter, stage) === name)
    .map((parameter) => STAGE_PARAMETERS[parameter].producer)[0];

/** Whether a value is read from what one of the services publishes for the stage. */
const readsPublished = ({ value }: { value: string }, stage: string): boolean => {
  const reference = ssmReferenceOf(value);
  return reference !== undefined && publisherOf(reference.name, stage) !== undefined;
};

/** Where a resolved value comes from at deploy time, when it is an ssm dynamic reference. */
const ssmSource = (value: unknown, stage: string): string | undefined => {
  const reference = typeof value === 'string' ? ssmReferenceOf(value) : undefined;
  if (!reference) return undefined;
  const publisher = publisherOf(reference.name, stage);
  return `SSM ${reference.name}${publisher ? ` (published by ${publisher})` : ''}`;
};

/** A service's parameters for `stage` with their source, as osls would resolve them. */
export const resolveServiceParams = (
  service: ServiceName,
  config: AWS,
  stage: string,
  { cli = {}, compose = {} }: { cli?: Record<string, string>; compose?: Record<string, string> },
): Record<string, ResolvedParam> => {
  const sets = (config.params ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const raw: Record<string, { value: unknown; source: ParamSource; from?: string }> = {};
  for (const [name, value] of Object.entries(sets.default ?? {})) raw[name] = { value, source: 'default' };
  for (const [name, value] of Object.entries(sets[stage] ?? {})) raw[name] = { value, source: 'stage' };
  for (const [name, value] of Object.entries(compose)) {
    const output = COMPOSE_OUTPUT.exec(value);
    raw[name] = { value, source: 'compose', ...(output ? { from: `${output[1]}.${output[2]}` } : {}) };
  }
  for (const [name, value] of Object.entries(cli)) raw[name] = { value, source: 'cli' };
  const flat = Object.fromEntries(Object.entries(raw).map(([name, { value }]) => [name, value]));
  return Object.fromEntries(
    Object.entries(raw).map(([name, { value, source, from }]) => {
      let resolved: unknown = value;
      if (source !== 'compose') {
        try {
          resolved = resolveVariables(value, { config, stage, params: flat });
        } catch (error) {
          if (!(error instanceof UnresolvedVariableError)) throw error;
        }
      }
      const intrinsic = resolved !== null && typeof resolved === 'object';
      const text = intrinsic ? JSON.stringify(resolved) : String(resolved);
      const origin = from ?? ssmSource(resolved, stage);
      return [
        name,
        {
          value: text,
          source,
          ...(origin ? { from: origin } : {}),
          ...(intrinsic ? { intrinsic: resolved } : {}),
        },
      ];
    }),
  );
};

// CloudFormation conditions over `${param:...}`, as the services write them.
const evaluateCondition = (
  condition: unknown,
  conditions: Record<string, unknown>,
  params: Record<string, ResolvedParam>,
): boolean | undefined => {
  const value = (item: unknown): unknown =>
    typeof item === 'string'
      ? item.replace(/\$\{param:(\w+)\}/g, (_match, name: string) => params[name]?.value ?? '')
      : undefined;
  const node = condition as Record<string, unknown[]> & { Condition?: string };
  if (typeof node.Condition === 'string')
    return evaluateCondition(conditions[node.Condition], conditions, params);
  if (node['Fn::Equals']) {
    const [left, right] = node['Fn::Equals'].map(value);
    return left === undefined || right === undefined || String(left).includes('${')
      ? undefined
      : left === right;
  }
  const parts = (node['Fn::Not'] ?? node['Fn::And'] ?? node['Fn::Or'])?.map((part) =>
    evaluateCondition(part, conditions, params),
  );
  if (!parts || parts.includes(undefined)) return undefined;
  if (node['Fn::Not']) return !parts[0];
  if (node['Fn::And']) return parts.every(Boolean);
  return parts.some(Boolean);
};

const planOf = (
  service: ServiceName,
  config: AWS,
  stage: string,
  params: Record<string, ResolvedParam>,
): Pick<ServicePlan, 'functions' | 'resources' | 'off' | 'needsFirst'> => {
  const conditions = (config.resources?.Conditions ?? {}) as Record<string, unknown>;
  const resources = Object.entries(config.resources?.Resources ?? {}) as [
    string,
    { Type: string; Condition?: string },
  ][];
  const on = resources.filter(
    ([, { Condition }]) => !Condition || evaluateCondition({ Condition }, conditions, params) !== false,
  );
  return {
    functions: Object.keys(config.functions ?? {}).map((name) => `${service}-${stage}-${name}`),
    needsFirst: SERVICES.filter(
      (producer) =>
        producer !== service &&
        Object.values(params).some(({ value }) => {
          const reference = ssmReferenceOf(value);
          return reference !== undefined && publisherOf(reference.name, stage) === producer;
        }),
    ),
    resources: on.map(([id, { Type }]) => ({ id, type: Type })),
    off: resources
      .filter(
        ([, { Condition }]) => Condition && evaluateCondition({ Condition }, conditions, params) === false,
      )
      .map(([id, { Condition }]) => ({ id, condition: Condition as string })),
  };
};

/** Parameters several services declare that must hold one value across them. */
const SHARED_SETTINGS: readonly { name: string; services: readonly ServiceName[]; why: string }[] = [
  {
    name: 'registryKey',
    services: ['ingest-transform', 'analytics-sink'],
    why: 'both read the one device registry object',
  },
  {
    name: 'maxFutureSkewSeconds',
    services: ['ingest-transform', 'msk-consumer', 'analytics-sink'],
    why: 'the accepted event-time window must be the same on every path',
  },
  {
    name: 'maxEventAgeHours',
    services: ['ingest-transform', 'msk-consumer', 'analytics-sink'],
    why: 'the accepted event-time window must be the same on every path',
  },
  { name: 'alarmTopicArn', services: SERVICES, why: 'one notification target for the whole pipeline' },
  {
    name: 'hubStreamName',
    services: ['report-runner', 'msk-consumer'],
    why: 'msk-consumer writes to the hub whose metrics the books read',
  },
  {
    name: 'glueDatabaseName',
    services: ['report-runner', 'msk-consumer'],
    why: "report-runner's quarantine report reads the view msk-consumer creates in the lake's database",
  },
];

// The settings that name the warehouse itself, per kind (a deadline or a capacity may differ).
const warehouseSetting = (kind: string | undefined, name: string): boolean =>
  kind === 'postgres'
    ? /^warehouseUrl/.test(name)
    : kind?.startsWith('redshift')
      ? /^redshift/.test(name)
      : false;

// The account placeholders of the services' defaults: they only let `sls package` run offline.
const PLACEHOLDER = /placeholder|:000000000000:/;

// arn:partition:service:region:account:resource; a global resource (S3, IAM) has no region.
const arnRegion = (value: string): string | undefined =>
  /^arn:[\w-]+:[\w-]+:([a-z0-9-]*):/.exec(value)?.[1] || undefined;

/**
 * Parameters naming a resource AWS keeps outside the stage's region by design: QuickSight users
 * and groups live in the account's identity region ("call it in the same region where your user's
 * identity resides": https://docs.aws.amazon.com/quicksight/latest/APIReference/API_GetIdentityContext.html),
 * and a dashboard in any region is shared with them by that ARN.
 */
const ANY_REGION = new Set(['quicksightPrincipalArn']);

/** The cross-service rules: values that must agree, placeholders, ARNs of another region. */
export const crossServiceProblems = (
  plans: readonly ServicePlan[],
  stage: string,
  region: string,
): PreflightProblem[] => {
  const byService = new Map(plans.map((plan) => [plan.service, plan]));
  const problems: PreflightProblem[] = [];

  for (const { name, services, why } of SHARED_SETTINGS) {
    const holders = services.flatMap((service) => {
      const param = byService.get(service)?.params[name];
      // A value compose passes from another stack's output, or read from what that stack
      // published for the stage, agrees with that stack by construction.
      return param && param.source !== 'compose' && !readsPublished(param, stage)
        ? [{ service, value: param.value }]
        : [];
    });
    const [first, ...others] = holders;
    for (const other of others) {
      if (first && other.value !== first.value) {
        problems.push({
          service: other.service,
          name,
          value: other.value,
          problem: `differs from ${first.service}'s ${name}=${first.value}: ${why}`,
        });
      }
    }
  }

  const runner = byService.get('report-runner');
  const sink = byService.get('analytics-sink');
  if (runner && sink) {
    const runnerKind = runner.params.warehouse?.value;
    const sinkKind = sink.params.warehouse?.value;
    // report-runner creates the workgroup; analytics-sink writes to it as an existing one.
    const created = runnerKind === 'create-serverless' && sinkKind === 'redshift-serverless';
    if (created) {
      const expected = `report-runner-${stage}`;
      const workgroup = sink.params.redshiftWorkgroupName?.value;
      if (workgroup !== expected) {
        problems.push({
          service: 'analytics-sink',
          name: 'redshiftWorkgroupName',
          value: workgroup ?? '',
          problem: `must be ${expected}, the workgroup report-runner creates with warehouse=create-serverless`,
        });
      }
    } else if (runnerKind !== sinkKind) {
      problems.push({
        service: 'analytics-sink',
        name: 'warehouse',
        value: sinkKind ?? '',
        problem: `differs from report-runner's warehouse=${runnerKind ?? ''}: the reports and the real-time rows go to one warehouse (set warehouse once under params: in config/${stage}.yml)`,
      });
    } else {
      for (const name of Object.keys(sink.params).filter((name) => warehouseSetting(sinkKind, name))) {
        const runnerParam = runner.params[name];
        const sinkParam = sink.params[name];
        if (name === 'warehouse' || !runnerParam || !sinkParam || runnerParam.value === sinkParam.value)
          continue;
        problems.push({
          service: 'analytics-sink',
          name,
          value: sinkParam.value,
          problem: `differs from report-runner's ${name}=${runnerParam.value}: both reach the same warehouse`,
        });
      }
    }
  }

  for (const plan of plans) {
    for (const [name, { value, source }] of Object.entries(plan.params)) {
      if (source === 'compose' || plan.params[name]?.intrinsic || usedOnlyWithout(plan, name)) continue;
      if (PLACEHOLDER.test(value)) {
        problems.push({
          service: plan.service,
          name,
          value,
          problem: 'is a placeholder that only lets `sls package` run offline: set it for this stage',
        });
        continue;
      }
      const arnAt = arnRegion(value);
      if (arnAt && arnAt !== region && !ANY_REGION.has(name)) {
        problems.push({
          service: plan.service,
          name,
          value,
          problem: `is in ${arnAt}, the stage deploys to ${region}: ${regionRule(name)}`,
        });
      }
    }
  }
  return problems;
};

// A placeholder only matters where the parameter is in use: the warehouse targets of another kind,
// and compose's outputs (set at deploy time), are not.
const usedOnlyWithout = ({ service, params }: ServicePlan, name: string): boolean => {
  const kind = params.warehouse?.value;
  if (/^redshiftWorkgroup/.test(name)) return kind !== 'redshift-serverless';
  if (name.startsWith('redshift')) return !kind?.includes('redshift');
  if (name.startsWith('warehouseUrl')) return kind !== 'postgres';
  if (name === 'hubStreamArn' || name === 'ingestBucketArn' || name === 'ingestBucketName') {
    return service === 'ingest-transform';
  }
  return false;
};

// Event source mappings, alarm actions and IAM grants reach another region's resource in different
// ways; none of them the way the pipeline uses it.
const regionRule = (name: string): string =>
  name === 'alarmTopicArn' || name === 'alertTarget'
    ? 'CloudWatch alarm actions and the sink publish to a topic in their own region'
    : name === 'mskClusterArn'
      ? 'an MSK event source mapping reads a cluster in its own region'
      : 'the services reach it in their own region';

const costSettingsOf = (plans: readonly ServicePlan[]): CostSettings => {
  const params = (service: ServiceName) => plans.find((plan) => plan.service === service)?.params ?? {};
  const transform = params('ingest-transform');
  const runner = params('report-runner');
  const redshift =
    runner.warehouse?.value === 'create-serverless'
      ? Number(runner.redshiftBaseCapacity?.value ?? 8)
      : runner.warehouse?.value === 'redshift-serverless'
        ? 8
        : undefined;
  return {
    streamMode: transform.streamMode?.value === 'PROVISIONED' ? 'PROVISIONED' : 'ON_DEMAND',
    shardCount: Number(transform.shardCount?.value ?? 2),
    ...(redshift === undefined ? {} : { redshiftRpu: redshift }),
    iotRule: transform.iotRuleEnabled?.value !== 'false',
  };
};

/** Resolves, checks and plans every service of `stage`. */
export const preflight = async ({
  stage,
  region,
  env = process.env,
  cliParams = {},
  alone = [],
  configs,
  composeFile,
  stageConfig = readStageConfigs()[stage],
}: PreflightInput): Promise<PreflightReport> => {
  const own = configs ?? (await Promise.all(SERVICES.map((service) => loadServiceConfig(service))));
  // The stage file as each serverless.ts applies it (a no-op for the file it already read).
  const loaded = own.map((config, index) =>
    stageConfig
      ? {
          ...config,
          params: withStageConfigs(
            SERVICES[index] as string,
            config.params as Parameters<typeof withStageConfigs>[1],
            {
              [stage]: stageConfig,
            },
          ),
        }
      : config,
  );
  const compose = composeParams(composeFile);
  const where = deployRegion(stage, region, stageConfig, env);
  const services = SERVICES.map((service, index): ServicePlan => {
    const config = loaded[index] as AWS;
    const params = resolveServiceParams(service, config, stage, {
      cli: cliParams[service] ?? {},
      compose: alone.includes(service) ? {} : (compose[service] ?? {}),
    });
    const values = Object.fromEntries(
      Object.entries(params).map(([name, { value, intrinsic }]) => [name, intrinsic ?? value]),
    );
    return {
      service,
      stack: `${service}-${stage}`,
      params,
      problems: paramProblems(paramRulesOf(service), { params: values, stage }),
      ...planOf(service, config, stage, params),
    };
  });
  const problems: PreflightProblem[] = [
    // The Glue database is pipeline_<stage>: Athena wants it unquoted, so letters and digits only.
    ...(/^[a-z][a-z0-9]*$/.test(stage)
      ? []
      : [
          {
            service: 'ingest-transform' as const,
            name: 'stage',
            value: stage,
            problem: `must be lowercase letters and digits: the Glue database pipeline_${stage} must be an unquoted Athena identifier`,
          },
        ]),
    ...services.flatMap(({ service, problems: own }) => own.map((problem) => ({ service, ...problem }))),
    ...crossServiceProblems(services, stage, where.region),
  ];
  const settings = costSettingsOf(services);
  const items = costItems(settings);
  return {
    stage,
    region: where.region,
    regionSource: where.source,
    services,
    problems,
    cost: { settings, items, subtotal: subtotal(items), idlePerMonth: idleCostPerMonth(settings) },
  };
};
