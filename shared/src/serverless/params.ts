/**
 * Rules for deployment parameters, checked when osls evaluates a service's config (`sls package`,
 * `sls deploy`, `sls print`, compose), so a combination CloudFormation or the function would
 * refuse fails before anything is deployed, with a message naming the parameter. Each service lists
 * its rules in `src/params.ts`; `check-params.cjs` runs them against the parameters as osls resolved
 * them, and the local cloud runs them against the `local` stage's.
 */
import type { ArnShape } from '../contracts/arn';
import { NONE } from '../runtime/env';

export { NONE };

/** What a rule sees: every parameter the service declares, as resolved, and the stage. */
export interface ParamContext {
  /** Strings as osls resolved them; a CloudFormation intrinsic (e.g. `{ Ref }`) stays an object. */
  params: Readonly<Record<string, unknown>>;
  stage: string;
}

/** How a rule checks: a problem with `value` (a short phrase: "must be ..."), or undefined when it is fine. */
export type ParamCheckFunction = (value: string, context: ParamContext) => string | undefined;

/**
 * A rule: its check, and what it accepts in a few words for people ("integer 1–900", "LATEST or
 * TRIM_HORIZON"), so the parameter tables of the READMEs come from the objects that check the values.
 */
export interface ParamCheck extends ParamCheckFunction {
  readonly summary: string;
}

/** A condition on the other parameters, with its summary ("warehouse=postgres"). */
export interface ParamCondition {
  (context: ParamContext): boolean;
  readonly summary: string;
}

/** Parameter name to its check; the name is what a message names. */
export type ParamRules = Readonly<Record<string, ParamCheck>>;

/** Parameter name to one line saying what it is for (the tables' "description" column). */
export type ParamDescriptions = Readonly<Record<string, string>>;

/**
 * A rule written by hand, with what it accepts.
 *
 * @example rule('even integer', (value) => (Number(value) % 2 === 0 ? undefined : 'must be even'))
 */
export const rule = (summary: string, check: ParamCheckFunction): ParamCheck =>
  Object.assign((value: string, context: ParamContext) => check(value, context), { summary });

/** A condition written by hand, with what it means. */
export const condition = (summary: string, holds: (context: ParamContext) => boolean): ParamCondition =>
  Object.assign((context: ParamContext) => holds(context), { summary });

/** One parameter that fails its rule. */
export interface ParamProblem {
  name: string;
  value: string;
  problem: string;
}

/** Raised when deployment parameters would only fail in CloudFormation or at cold start. */
export class ParamsError extends Error {
  override name = 'ParamsError';
  constructor(
    readonly service: string,
    readonly problems: readonly ParamProblem[],
  ) {
    super(
      [
        `Invalid deployment parameters of ${service}:`,
        ...problems.map(
          ({ name, value, problem }) => `  --param ${name}=${value === '' ? '(empty)' : value}: ${problem}`,
        ),
      ].join('\n'),
    );
  }
}

// "1–900", or "-1 to 10000" where a dash would read as a minus.
const range = (min: number, max: number): string => (min < 0 ? `${min} to ${max}` : `${min}–${max}`);

// "A or B", "A, B or C".
const alternatives = (values: readonly string[]): string =>
  values.length < 2 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

/** An integer from `min` to `max`, inclusive. */
export const integerIn = (min: number, max: number): ParamCheck =>
  rule(`integer ${range(min, max)}`, (value) =>
    /^-?\d+$/.test(value) && Number(value) >= min && Number(value) <= max
      ? undefined
      : `must be an integer from ${min} to ${max}`,
  );

/** An integer of at least `min`. */
export const integerAtLeast = (min: number): ParamCheck =>
  rule(`integer ≥ ${min}`, (value) =>
    /^-?\d+$/.test(value) && Number(value) >= min ? undefined : `must be an integer of at least ${min}`,
  );

/** A whole number of at least 1. */
export const positive: ParamCheck = rule('positive integer', (value) =>
  /^\d+$/.test(value) && Number(value) >= 1 ? undefined : 'must be a positive integer',
);

/** A decimal number from `min` to `max`, inclusive. */
export const numberIn = (min: number, max: number): ParamCheck =>
  rule(`number ${range(min, max)}`, (value) =>
    /^-?\d+(?:\.\d+)?$/.test(value) && Number(value) >= min && Number(value) <= max
      ? undefined
      : `must be a number from ${min} to ${max}`,
  );

/** One of a fixed list (case-sensitive, as CloudFormation compares). */
export const oneOf = (...allowed: readonly (string | number)[]): ParamCheck =>
  rule(alternatives(allowed.map(String)), (value) =>
    allowed.map(String).includes(value) ? undefined : `must be one of ${allowed.join(', ')}`,
  );

/** A non-empty value other than `none`. */
export const given: ParamCheck = rule(`required (not ${NONE})`, (value) =>
  value === '' || value === NONE ? 'must be set' : undefined,
);

/** An ARN of the given shape. */
export const arnOf = ({ pattern, description }: ArnShape): ParamCheck =>
  rule(description.replace(/^an? /, ''), (value) =>
    pattern.test(value) ? undefined : `must be ${description}`,
  );

/**
 * A general purpose bucket's name: 3-63 of a-z, 0-9, `.` and `-`, starting and ending with a
 * letter or digit. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export const s3BucketName: ParamCheck = rule('S3 bucket name', (value) =>
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)
    ? undefined
    : 'must be an S3 bucket name (3-63 of a-z, 0-9, ".", "-", starting and ending with a letter or digit)',
);

/** `none` (unset) or what `check` accepts; an empty value is refused, so one spelling stays. */
export const noneOr = (check: ParamCheck): ParamCheck =>
  rule(`${check.summary}, or ${NONE}`, (value, context) =>
    value === NONE ? undefined : value === '' ? `must be set, or ${NONE}` : check(value, context),
  );

/** Applies `check` only when `applies` holds (e.g. for one warehouse kind). */
export const when = (applies: ParamCondition, check: ParamCheck): ParamCheck =>
  rule(`with ${applies.summary}: ${check.summary}`, (value, context) =>
    applies(context) ? check(value, context) : undefined,
  );

/** Every check must pass; the first problem is reported. */
export const allOf = (...checks: readonly ParamCheck[]): ParamCheck =>
  rule(checks.map(({ summary }) => summary).join('; '), (value, context) => {
    for (const check of checks) {
      const problem = check(value, context);
      if (problem) return problem;
    }
    return undefined;
  });

/** True when the parameter `name` equals `value`. */
export const paramIs = (name: string, value: string): ParamCondition =>
  condition(`${name}=${value}`, ({ params }) => params[name] === value);

/**
 * The values CloudWatch Logs accepts as a log group's retention (`RetentionInDays`);
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/**
 * The problems of `context.params` under `rules`. A value that is not a string (a CloudFormation
 * intrinsic, known only at deploy time) or still holds a variable is not checked; a missing
 * parameter is, as the empty string.
 */
export const paramProblems = (rules: ParamRules, context: ParamContext): ParamProblem[] =>
  Object.entries(rules).flatMap(([name, check]) => {
    const raw = context.params[name] ?? '';
    if (typeof raw === 'object' || String(raw).includes('${')) return [];
    const value = String(raw);
    const problem = check(value, context);
    return problem ? [{ name, value, problem }] : [];
  });

/**
 * Throws a {@link ParamsError} listing every parameter that breaks its rule.
 *
 * @example assertParams('analytics-sink', paramRules, { params: { tumblingWindowSeconds: '60' }, stage: 'dev' });
 */
export const assertParams = (service: string, rules: ParamRules, context: ParamContext): void => {
  const problems = paramProblems(rules, context);
  if (problems.length > 0) throw new ParamsError(service, problems);
};
