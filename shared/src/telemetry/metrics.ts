/**
 * The metrics a device may report, with the unit every stored value is in and the physically
 * plausible range. A value outside its range is rejected rather than stored: it is almost always a
 * unit mistake (Fahrenheit for Celsius, Pa for hPa) or a broken sensor, and it would poison averages.
 */
/**
 * This is the one place a metric is added (docs/SCHEMA.md): the raw reading's accepted metrics,
 * the canonical record's metric columns (appended after the existing ones), the Glue and Parquet
 * schema, the warehouse tables, the DuckDB views and report-runner's anomaly parameters all
 * follow from it. A new metric goes last.
 *
 * `anomaly` is the default band of the anomalies report (report-runner's `anomaly<Metric>Min` and
 * `Max` parameters): tighter than the plausible range, since a reading outside it is stored and
 * reported, not rejected.
 */
export const METRICS = {
  temperature: { label: 'Temperature', unit: '°C', min: -60, max: 150, anomaly: { min: -20, max: 50 } },
  humidity: { label: 'Relative humidity', unit: '%', min: 0, max: 100, anomaly: { min: 5, max: 95 } },
  pressure: { label: 'Air pressure', unit: 'hPa', min: 300, max: 1100, anomaly: { min: 950, max: 1050 } },
  battery: { label: 'Battery level', unit: '%', min: 0, max: 100, anomaly: { min: 15, max: 100 } },
} as const;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
