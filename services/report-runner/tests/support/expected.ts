import { METRIC_NAMES, type MetricName, type PartitionKeys } from '@pipeline/shared';
import type { DeviceRegistryEntry } from '@pipeline/shared/registry';
import type { WarehouseRow } from '@pipeline/shared/warehouse';
import type { ReportSettings } from '../../src/domain/report-parameters';
import type { LakeRecord } from './lake';

/**
 * What each report must return for one partition, computed from the generated records in plain
 * TypeScript, independently of the SQL.
 */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const timestamp = (isoTime: string) => isoTime.replace('T', ' ').replace('Z', '');
const values = (rows: readonly LakeRecord[], metric: MetricName) =>
  rows.map((row) => row[metric]).filter((value): value is number => value !== null);
const min = (numbers: number[]) => (numbers.length > 0 ? Math.min(...numbers) : null);
const max = (numbers: number[]) => (numbers.length > 0 ? Math.max(...numbers) : null);
// Reports round averages to 6 decimals (see the SQL): so does the expectation.
const avg = (numbers: number[]) =>
  numbers.length > 0
    ? Math.round((numbers.reduce((sum, n) => sum + n, 0) / numbers.length) * 1e6) / 1e6
    : null;
const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

export const expectedReports = (
  all: readonly LakeRecord[],
  partition: PartitionKeys,
  settings: ReportSettings,
  registry: readonly DeviceRegistryEntry[] = [],
): Record<string, WarehouseRow[]> => {
  const records = all.filter(({ dt, hour }) => dt === partition.dt && hour === partition.hour);
  // Each reading once: redelivered copies share the event_id (and the values).
  const readings = [...groupBy(records, ({ event_id }) => event_id).values()].map(
    (copies) => copies[0] as LakeRecord,
  );
  const head = { dt: partition.dt, hour: partition.hour };

  const deviceStats = [...groupBy(readings, ({ device_id }) => device_id).entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([device, rows]) => ({
      ...head,
      device_id: device,
      site:
        rows
          .map(({ site }) => site)
          .filter((site): site is string => site !== null)
          .sort(compare)
          .at(-1) ?? null,
      readings: rows.length,
      ...Object.fromEntries(
        METRIC_NAMES.flatMap((metric) => [
          [`${metric}_min`, min(values(rows, metric))],
          [`${metric}_avg`, avg(values(rows, metric))],
          [`${metric}_max`, max(values(rows, metric))],
        ]),
      ),
    }));

  const siteSummary = [...groupBy(readings, ({ site }) => site ?? '(none)').entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([site, rows]) => {
      const batteryMin = min(values(rows, 'battery'));
      return {
        ...head,
        site,
        devices: new Set(rows.map(({ device_id }) => device_id)).size,
        readings: rows.length,
        temperature_avg: avg(values(rows, 'temperature')),
        humidity_avg: avg(values(rows, 'humidity')),
        pressure_avg: avg(values(rows, 'pressure')),
        battery_min: batteryMin,
        lowest_battery_device:
          batteryMin === null
            ? null
            : (rows
                .filter(({ battery }) => battery === batteryMin)
                .map(({ device_id }) => device_id)
                .sort(compare)[0] ?? null),
      };
    });

  const anomalies = readings
    .flatMap((reading) =>
      METRIC_NAMES.flatMap((metric) => {
        const value = reading[metric];
        const { min: low, max: high } = settings.thresholds[metric];
        return value !== null && (value < low || value > high)
          ? [
              {
                ...head,
                event_id: reading.event_id,
                device_id: reading.device_id,
                site: reading.site,
                event_time: timestamp(reading.event_time),
                metric,
                value,
                threshold_min: low,
                threshold_max: high,
              },
            ]
          : [];
      }),
    )
    .sort(
      (a, b) =>
        compare(a.device_id, b.device_id) ||
        compare(a.event_time, b.event_time) ||
        compare(a.event_id, b.event_id) ||
        compare(a.metric, b.metric),
    );

  const lateness = records.map(
    ({ event_time, ingest_time }) => (Date.parse(ingest_time) - Date.parse(event_time)) / 1000,
  );
  const copies = groupBy(records, ({ event_id }) => event_id);
  const dataQuality = [
    {
      ...head,
      records: records.length,
      readings: copies.size,
      duplicate_event_ids: [...copies.values()].filter((group) => group.length > 1).length,
      duplicate_records: records.length - copies.size,
      late_records: lateness.filter((seconds) => seconds > settings.lateAfterSeconds).length,
      max_lateness_seconds: max(lateness),
      devices: new Set(records.map(({ device_id }) => device_id)).size,
    },
  ];

  // The registry reports: a registered device is expected from its install date on; devices that
  // reported count whatever the registry says.
  const reporting = new Set(readings.map(({ device_id }) => device_id));
  const entries = new Map(registry.map((entry) => [entry.device_id, entry]));
  const installed = (entry: DeviceRegistryEntry) =>
    entry.install_date === null || entry.install_date <= partition.dt;
  const fleet = [
    ...registry
      .filter((entry) => installed(entry) || reporting.has(entry.device_id))
      .map(({ device_id }) => device_id),
    ...[...reporting].filter((device) => !entries.has(device)),
  ];
  const groupOf = (device: string, dimension: 'owner' | 'model') => {
    const entry = entries.get(device);
    return entry ? (entry[dimension] ?? '(none)') : '(unregistered)';
  };
  const registrySummary = (['model', 'owner'] as const).flatMap((dimension) =>
    [...groupBy(fleet, (device) => groupOf(device, dimension)).entries()]
      .sort(([a], [b]) => compare(a, b))
      .map(([value, devices]) => {
        const members = new Set(devices);
        const rows = readings.filter(({ device_id }) => members.has(device_id));
        return {
          ...head,
          dimension,
          dimension_value: value,
          registered_devices: devices.filter((device) => entries.has(device)).length,
          reporting_devices: devices.filter((device) => reporting.has(device)).length,
          silent_devices: devices.filter((device) => entries.has(device) && !reporting.has(device)).length,
          readings: rows.length,
          temperature_avg: avg(values(rows, 'temperature')),
          humidity_avg: avg(values(rows, 'humidity')),
          pressure_avg: avg(values(rows, 'pressure')),
          battery_min: min(values(rows, 'battery')),
        };
      }),
  );
  const silentDevices = registry
    .filter((entry) => installed(entry) && !reporting.has(entry.device_id))
    .sort((a, b) => compare(a.device_id, b.device_id))
    .map(({ device_id, site, model, owner, location, install_date }) => ({
      ...head,
      device_id,
      site,
      model,
      owner,
      location,
      install_date,
    }));

  return {
    registry_hourly_summary: registrySummary,
    silent_devices: silentDevices,
    device_hourly_stats: deviceStats,
    site_hourly_summary: siteSummary,
    anomalies,
    data_quality: dataQuality,
    // The generated lake has no rejections (local/tests/engines/quarantine.int.test.ts has).
    quarantine_by_reason: [],
  };
};

/**
 * Row-by-row equality. Doubles within a relative 1e-9; rounded averages within one unit of the
 * 6th decimal (a sum in another order can round the other way).
 */
export const expectRowsToMatch = (
  actual: readonly WarehouseRow[],
  expected: readonly WarehouseRow[],
): void => {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((row, index) => {
    const got = actual[index] ?? {};
    expect(Object.keys(got)).toEqual(Object.keys(row));
    for (const [column, value] of Object.entries(row)) {
      const actualValue = got[column];
      if (typeof value === 'number' && !Number.isInteger(value)) {
        expect(typeof actualValue).toBe('number');
        const tolerance = column.endsWith('_avg') ? 1.000001e-6 : Math.max(1e-9, Math.abs(value) * 1e-9);
        expect({ column, difference: Math.abs((actualValue as number) - value) <= tolerance }).toEqual({
          column,
          difference: true,
        });
      } else {
        expect({ row: index, column, value: actualValue }).toEqual({ row: index, column, value });
      }
    }
  });
};

export const TEST_SETTINGS: ReportSettings = {
  thresholds: {
    temperature: { min: -10, max: 45 },
    humidity: { min: 5, max: 95 },
    pressure: { min: 950, max: 1050 },
    battery: { min: 15, max: 100 },
  },
  lateAfterSeconds: 900,
};
