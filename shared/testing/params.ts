import type { AWS } from 'osls';
import { paramProblems, type ParamProblem, type ParamRules } from '../src/serverless';

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
