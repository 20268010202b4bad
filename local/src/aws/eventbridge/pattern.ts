/**
 * EventBridge event-pattern matching for the filters the pipeline uses: exact values, `prefix`,
 * `suffix`, `anything-but`, `exists` and `numeric` comparisons, nested to any depth.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */
export type EventPattern = { [field: string]: EventPattern | PatternValue[] };

type PatternValue =
  | string
  | number
  | boolean
  | null
  | { prefix: string }
  | { suffix: string }
  | { 'anything-but': string | number | (string | number)[] | { prefix: string } }
  | { exists: boolean }
  | { numeric: (string | number)[] };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const compare = (operator: string, left: number, right: number): boolean => {
  switch (operator) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '=':
      return left === right;
    case '>=':
      return left >= right;
    case '>':
      return left > right;
    default:
      throw new Error(`unsupported numeric operator ${operator}`);
  }
};

const matchesValue = (rule: PatternValue, value: unknown): boolean => {
  if (!isRecord(rule)) return rule === value;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(rule.prefix);
  if ('suffix' in rule) return typeof value === 'string' && value.endsWith(rule.suffix);
  if ('exists' in rule) return rule.exists ? value !== undefined : value === undefined;
  if ('anything-but' in rule) {
    const excluded = rule['anything-but'];
    if (isRecord(excluded)) return typeof value === 'string' && !value.startsWith(excluded.prefix);
    return (
      value !== undefined && !(Array.isArray(excluded) ? excluded : [excluded]).includes(value as string)
    );
  }
  if ('numeric' in rule) {
    if (typeof value !== 'number') return false;
    const terms = rule.numeric;
    for (let index = 0; index < terms.length; index += 2) {
      if (!compare(String(terms[index]), value, Number(terms[index + 1]))) return false;
    }
    return true;
  }
  throw new Error(`unsupported pattern operator ${JSON.stringify(rule)}`);
};

const matchesField = (rules: PatternValue[], value: unknown): boolean => {
  // An array in the event matches when any of its elements matches.
  const candidates = Array.isArray(value) ? value : [value];
  return rules.some((rule) =>
    isRecord(rule) && 'exists' in rule
      ? matchesValue(rule, value)
      : candidates.some((candidate) => matchesValue(rule, candidate)),
  );
};

/** True when the event matches every field of the pattern. */
export const matchesPattern = (pattern: EventPattern, event: unknown): boolean =>
  Object.entries(pattern).every(([field, rule]) => {
    const value = isRecord(event) ? event[field] : undefined;
    return Array.isArray(rule) ? matchesField(rule, value) : matchesPattern(rule, value);
  });
