import { DeviceRegistryEntrySchema, type DeviceRegistryEntry } from '@pipeline/shared/registry';
import { alertIdFor } from '../src/domain/alerts';
import {
  AlertRuleError,
  breachingValue,
  parseAlertRules,
  rulesForDevice,
  type AlertRule,
} from '../src/domain/alert-rules';

describe('parseAlertRules', () => {
  it('reads comma-separated thresholds with stable rule ids', () => {
    expect(parseAlertRules(' temperature > 80, battery<15 ,humidity>97.5,temperature<-10')).toEqual([
      {
        id: 'temperature_above_80',
        metric: 'temperature',
        comparison: 'above',
        threshold: 80,
        source: 'configured',
      },
      { id: 'battery_below_15', metric: 'battery', comparison: 'below', threshold: 15, source: 'configured' },
      {
        id: 'humidity_above_97_5',
        metric: 'humidity',
        comparison: 'above',
        threshold: 97.5,
        source: 'configured',
      },
      {
        id: 'temperature_below_minus10',
        metric: 'temperature',
        comparison: 'below',
        threshold: -10,
        source: 'configured',
      },
    ]);
  });

  it('accepts no rules at all', () => {
    expect(parseAlertRules('')).toEqual([]);
  });

  it.each([
    ['temperature>>80', 'is not'],
    ['radiation>3', 'unknown metric radiation'],
    ['battery<150', 'must lie in [0, 100]'],
    ['battery<15,battery<15', 'defined twice'],
    ['temperature=80', 'is not'],
  ])('rejects %s', (definition, message) => {
    expect(() => parseAlertRules(definition)).toThrow(AlertRuleError);
    expect(() => parseAlertRules(definition)).toThrow(message);
  });
});

describe('breachingValue', () => {
  const [above, below] = parseAlertRules('temperature>80,battery<15');
  it('uses the highest reading for "above" and the lowest for "below", strictly', () => {
    expect(breachingValue(above!, { min: 20, max: 80.1 })).toBe(80.1);
    expect(breachingValue(above!, { min: 20, max: 80 })).toBeUndefined();
    expect(breachingValue(below!, { min: 14.9, max: 90 })).toBe(14.9);
    expect(breachingValue(below!, { min: 15, max: 90 })).toBeUndefined();
    expect(breachingValue(below!, null)).toBeUndefined();
  });
});

describe('rulesForDevice', () => {
  const defaults = parseAlertRules('temperature>80,battery<15');
  const entry = (fields: Record<string, unknown>): DeviceRegistryEntry =>
    DeviceRegistryEntrySchema.parse({ device_id: 'dev-0003', site: 'plant-lyon', ...fields });
  const summary = (rules: readonly AlertRule[]) => rules.map(({ id, source }) => `${id} (${source})`);

  it('gives an unregistered device (or any device without a registry) the configured rules', () => {
    expect(rulesForDevice(defaults, undefined)).toBe(defaults);
  });

  it('keeps the configured rules for a registered device without thresholds of its own', () => {
    expect(rulesForDevice(defaults, entry({ model: 'TH-200', owner: 'facilities' }))).toEqual(defaults);
  });

  it("replaces an above rule's threshold with <metric>_max and a below rule's with <metric>_min", () => {
    expect(summary(rulesForDevice(defaults, entry({ temperature_max: 90, battery_min: 5 })))).toEqual([
      'temperature_above_90 (registry)',
      'battery_below_5 (registry)',
    ]);
    // The other bound of a configured metric is a rule the configuration does not have: it is added.
    expect(summary(rulesForDevice(defaults, entry({ temperature_min: -5 })))).toEqual([
      'temperature_above_80 (configured)',
      'battery_below_15 (configured)',
      'temperature_below_minus5 (registry)',
    ]);
  });

  it('adds a rule for a registry threshold no configured rule covers, in metric order', () => {
    expect(
      summary(rulesForDevice(defaults, entry({ pressure_max: 1040.5, humidity_min: 20, humidity_max: 90 }))),
    ).toEqual([
      'temperature_above_80 (configured)',
      'battery_below_15 (configured)',
      'humidity_below_20 (registry)',
      'humidity_above_90 (registry)',
      'pressure_above_1040_5 (registry)',
    ]);
    // With no configured rules at all, the registry thresholds are the device's only rules.
    expect(summary(rulesForDevice([], entry({ battery_min: 20 })))).toEqual(['battery_below_20 (registry)']);
  });

  it('applies the one registry threshold to two configured rules on the same bound only once', () => {
    expect(
      summary(
        rulesForDevice(parseAlertRules('temperature>80,temperature>90'), entry({ temperature_max: 70 })),
      ),
    ).toEqual(['temperature_above_70 (registry)']);
  });

  it('gives alerts under a per-device threshold ids of their own, the same on every run', () => {
    const windowStart = Date.parse('2026-11-25T08:00:00Z');
    const [own] = rulesForDevice(defaults, entry({ temperature_max: 90 }));
    const [configured] = defaults;
    expect(alertIdFor('dev-0003', windowStart, own!.id)).not.toBe(
      alertIdFor('dev-0003', windowStart, configured!.id),
    );
    const [again] = rulesForDevice(defaults, entry({ temperature_max: 90 }));
    expect(alertIdFor('dev-0003', windowStart, again!.id)).toBe(alertIdFor('dev-0003', windowStart, own!.id));
  });
});
