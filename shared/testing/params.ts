import type { AWS } from 'osls';
import {
  assertParams,
  paramProblems,
  ParamsError,
  SHARED_PARAM_DESCRIPTIONS,
  type ParamDescriptions,
  type ParamProblem,
  type ParamRules,
} from '../src/serverless';

// A service's parameters as osls resolves `${param:name}`: `--param` first, then `params.<stage>`,
// then `params.default` of its config.
const resolvedParams = (config: AWS, stage: string, overrides: Record<string, string>) => {
  const params = (config.params ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return { ...params.default, ...params[stage], ...overrides };
};

/**
 * The problems `rules` find in a service's parameters for `stage` as osls would resolve them:
 * `overrides` (the `--param`s), then `params.<stage>`, then `params.default` of its config.
 */
export const paramProblemsOf = (
  config: AWS,
  rules: ParamRules,
  { stage = 'dev', overrides = {} }: { stage?: string; overrides?: Record<string, string> } = {},
): ParamProblem[] => paramProblems(rules, { params: resolvedParams(config, stage, overrides), stage });

/**
 * What `sls package` prints when it refuses a service's parameters for `stage`, or undefined when it
 * accepts them: the message of the {@link ParamsError} that `assertParams` throws, the very call osls
 * makes while it resolves the config (shared/src/serverless/check-params.cjs), with the parameters
 * resolved as osls resolves them ({@link paramProblemsOf}). A test of this message stands for an
 * `sls package` run without paying osls's start-up; each service keeps one real run
 * (tests/params.int.test.ts) that shows the message reaches the user.
 */
export const paramRefusalOf = (
  config: AWS,
  rules: ParamRules,
  { stage = 'dev', overrides = {} }: { stage?: string; overrides?: Record<string, string> } = {},
): string | undefined => {
  try {
    assertParams(config.service, rules, { params: resolvedParams(config, stage, overrides), stage });
    return undefined;
  } catch (error) {
    if (error instanceof ParamsError) return error.message;
    throw error;
  }
};

/**
 * Every name in `rules` is a parameter the config declares in `params.default`: a rule for a name
 * osls cannot resolve would fail every packaging.
 */
export const undeclaredParams = (config: AWS, rules: ParamRules): string[] => {
  const declared = Object.keys((config.params as { default?: object } | undefined)?.default ?? {});
  return Object.keys(rules).filter((name) => !declared.includes(name));
};

/**
 * What keeps a service's parameter table from describing every parameter it declares: a default
 * without a rule or without a description (its own, or the shared one), and a description of a
 * parameter the service does not declare.
 */
export const undocumentedParams = (
  config: AWS,
  rules: ParamRules,
  descriptions: ParamDescriptions,
): { withoutRule: string[]; withoutDescription: string[]; orphaned: string[] } => {
  const declared = Object.keys((config.params as { default?: object } | undefined)?.default ?? {});
  return {
    withoutRule: declared.filter((name) => !(name in rules)),
    withoutDescription: declared.filter(
      (name) => !(name in descriptions) && !(name in SHARED_PARAM_DESCRIPTIONS),
    ),
    orphaned: Object.keys(descriptions).filter((name) => !declared.includes(name)),
  };
};
