import type { AWS } from 'osls';
import {
  paramProblems,
  SHARED_PARAM_DESCRIPTIONS,
  type ParamDescriptions,
  type ParamProblem,
  type ParamRules,
} from '../src/serverless';

/**
 * The problems `rules` find in a service's parameters for `stage` as osls would resolve them:
 * `overrides` (the `--param`s), then `params.<stage>`, then `params.default` of its config.
 */
export const paramProblemsOf = (
  config: AWS,
  rules: ParamRules,
  { stage = 'dev', overrides = {} }: { stage?: string; overrides?: Record<string, string> } = {},
): ParamProblem[] => {
  const params = (config.params ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return paramProblems(rules, { params: { ...params.default, ...params[stage], ...overrides }, stage });
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
