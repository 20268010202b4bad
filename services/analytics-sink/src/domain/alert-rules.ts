import { METRICS, METRIC_NAMES, type MetricName } from '@pipeline/shared';

export type Comparison = 'above' | 'below';

/** A threshold on one metric, evaluated per device and window on the window's extreme value. */
export interface AlertRule {
  /** Stable name derived from the definition, e.g. `temperature_above_80`: part of the alert id. */
  id: string;
  metric: MetricName;
  comparison: Comparison;
  threshold: number;
}

/** A rule definition that cannot be used; raised at cold start, never per record. */
export class AlertRuleError extends Error {
  override name = 'AlertRuleError';
}

const RULE = /^([a-z]+)\s*([<>])\s*([-+]?(?:\d+\.?\d*|\.\d+))$/;

const ruleId = (metric: MetricName, comparison: Comparison, threshold: number): string =>
  `${metric}_${comparison}_${String(threshold).replace('-', 'minus').replace('.', '_')}`;

/**
 * Parses the `alertRules` parameter: comma-separated `<metric><op><threshold>` terms, `>` meaning
 * "alert when a reading is above" and `<` "when a reading is below", e.g.
 * `temperature>80,battery<15`. An empty string means no alerts. Metrics and thresholds are
 * checked against the schema's metric list and physical ranges so a typo fails at deploy time
 * (the first invocation), not silently.
 */
export const parseAlertRules = (definition: string): AlertRule[] => {
  const terms = definition
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term.length > 0);
  const rules = terms.map((term): AlertRule => {
    const match = RULE.exec(term);
    if (!match) throw new AlertRuleError(`"${term}" is not <metric>(>|<)<number>`);
    const [, name = '', operator, value = ''] = match;
    if (!(METRIC_NAMES as string[]).includes(name)) {
      throw new AlertRuleError(`"${term}": unknown metric ${name} (known: ${METRIC_NAMES.join(', ')})`);
    }
    const metric = name as MetricName;
    const threshold = Number(value);
    const { min, max } = METRICS[metric];
    if (threshold < min || threshold > max) {
      throw new AlertRuleError(`"${term}": ${metric} threshold must lie in [${min}, ${max}]`);
    }
    const comparison: Comparison = operator === '>' ? 'above' : 'below';
    return { id: ruleId(metric, comparison, threshold), metric, comparison, threshold };
  });
  const ids = rules.map(({ id }) => id);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated) throw new AlertRuleError(`rule ${repeated} is defined twice`);
  return rules;
};

/** The value that decides a rule for a window: the highest reading for `above`, the lowest for `below`. */
export const breachingValue = (
  rule: AlertRule,
  stats: { min: number; max: number } | null,
): number | undefined => {
  if (!stats) return undefined;
  if (rule.comparison === 'above') return stats.max > rule.threshold ? stats.max : undefined;
  return stats.min < rule.threshold ? stats.min : undefined;
};
