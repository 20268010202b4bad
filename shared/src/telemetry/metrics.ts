/**
 * The metrics a device may report, with the unit every stored value is in and the physically
 * plausible range. A value outside its range is rejected rather than stored: it is almost always a
 * unit mistake (Fahrenheit for Celsius, Pa for hPa) or a broken sensor, and it would poison averages.
 */
/**
 * This is the one place a metric is added (docs/SCHEMA.md): the raw reading's accepted metrics,
 * the canonical record's metric columns (appended after the existing ones), the Glue and Parquet
 * schema, the warehouse tables and the DuckDB views all follow from it. A new metric goes last.
 */
export const METRICS = {
  temperature: { label: 'Temperature', unit: '°C', min: -60, max: 150 },
  humidity: { label: 'Relative humidity', unit: '%', min: 0, max: 100 },
  pressure: { label: 'Air pressure', unit: 'hPa', min: 300, max: 1100 },
  battery: { label: 'Battery level', unit: '%', min: 0, max: 100 },
} as const;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
