import { METRICS, METRIC_NAMES, type MetricName } from '@pipeline/shared';
import { registryThresholds, type DeviceRegistryEntry } from '@pipeline/shared/registry';

export type Comparison = 'above' | 'below';

/**
 * Where a rule's threshold comes from: the `alertRules` parameter, or the device's entry in the
 * device registry (`<metric>_max` for `above`, `<metric>_min` for `below`).
 */
export type ThresholdSource = 'configured' | 'registry';

/** A threshold on one metric, evaluated per device and window on the window's extreme value. */
export interface AlertRule {
  /**
   * Stable name derived from the definition, e.g. `temperature_above_80`: part of the alert id.
   * It names the threshold, so a device with a threshold of its own gets a rule id of its own.
   */
  id: string;
  metric: MetricName;
  comparison: Comparison;
  threshold: number;
  source: ThresholdSource;
}

/** A rule definition that cannot be used; raised at cold start, never per record. */
export class AlertRuleError extends Error {
  override name = 'AlertRuleError';
}

const RULE = /^([a-z]+)\s*([<>])\s*([-+]?(?:\d+\.?\d*|\.\d+))$/;

const ruleId = (metric: MetricName, comparison: Comparison, threshold: number): string =>
  `${metric}_${comparison}_${String(threshold).replace('-', 'minus').replace('.', '_')}`;

const alertRule = (
  metric: MetricName,
  comparison: Comparison,
  threshold: number,
  source: ThresholdSource,
): AlertRule => ({ id: ruleId(metric, comparison, threshold), metric, comparison, threshold, source });

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
    return alertRule(metric, comparison, threshold, 'configured');
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

const registryThreshold = (
  entry: DeviceRegistryEntry,
  metric: MetricName,
  comparison: Comparison,
): number | null => {
  const { min, max } = registryThresholds(entry, metric);
  return comparison === 'above' ? max : min;
};

const COMPARISONS: readonly Comparison[] = ['below', 'above'];

/**
 * The rules that apply to one device: the configured rules, with the device's registry
 * thresholds in place of the configured ones (`<metric>_max` for an `above` rule, `<metric>_min`
 * for a `below` rule). A registry threshold for a metric and comparison no configured rule covers
 * adds a rule for that device: whoever set a device's `humidity_max` expects to hear about it.
 * A device without an entry (unregistered, or no registry available) gets the configured rules.
 *
 * Rule ids are derived from the threshold, so the same device, window and threshold always give
 * the same alert id, and a per-device threshold never shares an id with a different configured one.
 * Order: the configured rules' order, then added rules by metric (below before above).
 */
export const rulesForDevice = (
  defaults: readonly AlertRule[],
  entry: DeviceRegistryEntry | undefined,
): readonly AlertRule[] => {
  if (!entry) return defaults;
  const resolved = defaults.map((configured) => {
    const threshold = registryThreshold(entry, configured.metric, configured.comparison);
    return threshold === null
      ? configured
      : alertRule(configured.metric, configured.comparison, threshold, 'registry');
  });
  const added = METRIC_NAMES.flatMap((metric) =>
    COMPARISONS.flatMap((comparison) => {
      const threshold = registryThreshold(entry, metric, comparison);
      const covered = defaults.some(
        (configured) => configured.metric === metric && configured.comparison === comparison,
      );
      return threshold === null || covered ? [] : [alertRule(metric, comparison, threshold, 'registry')];
    }),
  );
  // Two configured rules on the same metric and comparison (`temperature>80,temperature>90`) both
  // take the device's one threshold: keep one.
  const seen = new Set<string>();
  return [...resolved, ...added].filter(({ id }) => !seen.has(id) && seen.add(id));
};
