import { AlertRuleError, breachingValue, parseAlertRules } from '../src/domain/alert-rules';

describe('parseAlertRules', () => {
  it('reads comma-separated thresholds with stable rule ids', () => {
    expect(parseAlertRules(' temperature > 80, battery<15 ,humidity>97.5,temperature<-10')).toEqual([
      { id: 'temperature_above_80', metric: 'temperature', comparison: 'above', threshold: 80 },
      { id: 'battery_below_15', metric: 'battery', comparison: 'below', threshold: 15 },
      { id: 'humidity_above_97_5', metric: 'humidity', comparison: 'above', threshold: 97.5 },
      { id: 'temperature_below_minus10', metric: 'temperature', comparison: 'below', threshold: -10 },
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
