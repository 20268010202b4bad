/**
 * The metrics a device may report, with the unit every stored value is in and the physically
 * plausible range. A value outside its range is rejected rather than stored: it is almost always a
 * unit mistake (Fahrenheit for Celsius, Pa for hPa) or a broken sensor, and it would poison averages.
 */
export const METRICS = {
  temperature: { unit: '°C', min: -60, max: 150 },
  humidity: { unit: '%', min: 0, max: 100 },
  pressure: { unit: 'hPa', min: 300, max: 1100 },
  battery: { unit: '%', min: 0, max: 100 },
} as const;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
