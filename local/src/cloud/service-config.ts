import { paramRules as analyticsSinkParamRules } from '@pipeline/analytics-sink/params';
import { paramRules as ingestTransformParamRules } from '@pipeline/ingest-transform/params';
import { paramRules as mskConsumerParamRules } from '@pipeline/msk-consumer/params';
import { paramRules as reportRunnerParamRules } from '@pipeline/report-runner/params';
import { assertParams, resolveDynamicReferences, type ParamRules } from '@pipeline/shared/serverless';
import type { AWS } from 'osls';

/** The four services the local cloud runs, by package name. */
export type ServiceName = 'ingest-transform' | 'msk-consumer' | 'report-runner' | 'analytics-sink';

/**
 * A service's own `serverless.ts`, so the local cloud configures each function exactly as
 * `sls invoke local --stage local` would: the same parameters, the same environment variables.
 * The configs are CommonJS modules (`module.exports = config`).
 */
export const loadServiceConfig = async (service: ServiceName): Promise<AWS> => {
  const load = (module: unknown): AWS => (module as { default: AWS }).default;
  switch (service) {
    case 'ingest-transform':
      return load(await import('@pipeline/ingest-transform/serverless'));
    case 'msk-consumer':
      return load(await import('@pipeline/msk-consumer/serverless'));
    case 'report-runner':
      return load(await import('@pipeline/report-runner/serverless'));
    case 'analytics-sink':
      return load(await import('@pipeline/analytics-sink/serverless'));
  }
};

/** Each service's deployment-parameter rules (its `src/params.ts`), which `sls package` enforces. */
const PARAM_RULES: Record<ServiceName, ParamRules> = {
  'ingest-transform': ingestTransformParamRules,
  'msk-consumer': mskConsumerParamRules,
  'report-runner': reportRunnerParamRules,
  'analytics-sink': analyticsSinkParamRules,
};

/** A service's deployment-parameter rules (its `src/params.ts`). */
export const paramRulesOf = (service: ServiceName): ParamRules => PARAM_RULES[service];

/**
 * Refuses a stage's parameters as `sls package` / `sls invoke local` would (osls runs the same rules
 * through shared/src/serverless/check-params.cjs), so a local run with a value AWS would refuse
 * fails too, naming the parameter.
 *
 * @throws ParamsError listing every parameter that breaks its rule.
 */
export const checkServiceParams = (
  service: ServiceName,
  config: AWS,
  stage: string,
  params: Params,
): void => {
  const resolved = Object.fromEntries(
    Object.keys(PARAM_RULES[service]).map((name) => {
      try {
        return [name, resolveVariables(params[name], { config, stage, params })];
      } catch (error) {
        // A value only CloudFormation knows (a Ref) or AWS resolves is checked at deploy time.
        if (error instanceof UnresolvedVariableError) return [name, params[name]];
        throw error;
      }
    }),
  );
  assertParams(service, PARAM_RULES[service], { params: resolved, stage });
};

export class UnresolvedVariableError extends Error {
  override name = 'UnresolvedVariableError';
}

type Params = Record<string, unknown>;

/** The stage's parameters: `params.default`, then `params.<stage>`, then the caller's overrides. */
export const stageParams = (config: AWS, stage: string, overrides: Params = {}): Params => {
  const params = (config.params ?? {}) as Record<string, Params | undefined>;
  return { ...params.default, ...params[stage], ...overrides };
};

// The innermost variable of a string: no `${` and no `}` inside.
const INNERMOST = /\$\{([^${}]+)\}/;

const lookup = (root: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
      root,
    );

/**
 * The subset of Serverless Framework variables the services' configs use: `${param:name}`,
 * `${sls:stage}`, `${self:path.to.value}` and quoted literals, nested, with `, fallback`
 * alternatives. Anything else, or a CloudFormation intrinsic left in a value, is an error: the
 * caller overrides those values (they name AWS resources the local cloud replaces).
 */
export const resolveVariables = (
  value: unknown,
  context: { config: AWS; stage: string; params: Params },
  depth = 0,
): unknown => {
  if (depth > 20) throw new UnresolvedVariableError('variables nest too deeply');
  if (Array.isArray(value)) return value.map((item) => resolveVariables(item, context, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveVariables(item, context, depth + 1)]),
    );
  }
  if (typeof value !== 'string') return value;
  let text = value;
  for (let match = INNERMOST.exec(text); match; match = INNERMOST.exec(text)) {
    const resolved = resolveVariables(resolveExpression(match[1] as string, context), context, depth + 1);
    // A variable that is the whole value may resolve to an object (e.g. an environment map).
    if (match[0] === text) return resolved;
    if (resolved !== null && typeof resolved === 'object') {
      throw new UnresolvedVariableError(`\${${match[1]}} is not a string inside "${value}"`);
    }
    text = text.replace(match[0], String(resolved));
  }
  return text;
};

const resolveExpression = (
  expression: string,
  { config, stage, params }: { config: AWS; stage: string; params: Params },
): unknown => {
  for (const alternative of expression.split(',').map((part) => part.trim())) {
    const quoted = /^(['"])(.*)\1$/.exec(alternative);
    let resolved: unknown;
    if (quoted) resolved = quoted[2];
    else if (/^-?\d+(\.\d+)?$/.test(alternative)) resolved = Number(alternative);
    else if (alternative === 'sls:stage') resolved = stage;
    else if (alternative.startsWith('param:')) resolved = params[alternative.slice('param:'.length)];
    else if (alternative.startsWith('self:')) resolved = lookup(config, alternative.slice('self:'.length));
    else throw new UnresolvedVariableError(`unsupported variable \${${expression}}`);
    if (resolved !== undefined && resolved !== null) return resolved;
  }
  throw new UnresolvedVariableError(`\${${expression}} resolves to nothing`);
};

/**
 * A function's environment for a stage (provider environment, then the function's own), every
 * variable resolved. `overrides` replace variables before they are resolved: values that would be
 * CloudFormation references in AWS. An ssm dynamic reference (a value another stack published for
 * the stage) is resolved from `parameterStore` as CloudFormation resolves it at deploy time, and
 * fails naming the parameter when the store lacks it: never handed to the function as its text.
 *
 * @throws UnresolvedDynamicReferenceError for a stage value nobody published.
 */
export const functionEnvironment = (
  config: AWS,
  functionName: string,
  {
    stage,
    params,
    overrides = {},
    parameterStore = {},
  }: {
    stage: string;
    params: Params;
    overrides?: Record<string, string>;
    parameterStore?: Readonly<Record<string, string>>;
  },
): Record<string, string> => {
  const fn = config.functions?.[functionName];
  if (!fn) throw new Error(`${config.service} has no function ${functionName}`);
  const context = { config, stage, params };
  const merged = {
    ...(resolveVariables(config.provider.environment ?? {}, context) as Record<string, unknown>),
    ...(resolveVariables(fn.environment ?? {}, context) as Record<string, unknown>),
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(merged).map(([name, resolved]) => {
      if (typeof resolved === 'number' || typeof resolved === 'boolean') return [name, String(resolved)];
      if (typeof resolved !== 'string') {
        throw new UnresolvedVariableError(
          `${config.service}.${functionName}: ${name} is ${JSON.stringify(resolved)} on stage ${stage}; override it`,
        );
      }
      return [name, resolveDynamicReferences(resolved, parameterStore)];
    }),
  );
};
