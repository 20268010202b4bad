import {
  bindLakeRelation,
  bindRelation,
  countPlaceholders,
  REGISTRY_RELATION,
  parseReportCatalog,
  parseReportDefinition,
} from '../../src/domain/report-definition';
import { REPORT_PARAMETER_NAMES } from '../../src/domain/report-parameters';
import { loadReports } from '../../src/reports';

const report = (
  overrides: Record<string, string> = {},
  body = 'SELECT CAST(dt AS DATE) AS dt, hour, device_id, count(*) AS readings FROM telemetry WHERE dt = ? AND hour = ? GROUP BY dt, hour, device_id ORDER BY device_id',
) => {
  const header: Record<string, string> = {
    name: 'readings_per_device',
    description: 'Readings per device and hour.',
    output: 'one row per device',
    warehouse_table: 'report_readings_per_device',
    key_columns: 'dt, hour, device_id',
    parameters: 'dt, hour',
    ...overrides,
  };
  const lines = Object.entries(header).map(([key, value]) => `-- ${key}: ${value}`);
  return [
    ...lines,
    '-- columns:',
    '--   dt date',
    '--   hour string',
    '--   device_id',
    '--   readings bigint',
    body,
  ].join('\n');
};

describe('report definitions', () => {
  it('reads the header: name, table, key, parameters, and column types', () => {
    const definition = parseReportDefinition('readings_per_device.sql', report());
    expect(definition).toEqual(
      expect.objectContaining({
        name: 'readings_per_device',
        description: 'Readings per device and hour.',
        output: 'one row per device',
        parameters: ['dt', 'hour'],
      }),
    );
    expect(definition.table).toEqual({
      name: 'report_readings_per_device',
      keyColumns: ['dt', 'hour', 'device_id'],
      columns: [
        { name: 'dt', type: 'date', nullable: true },
        { name: 'hour', type: 'string', nullable: true },
        { name: 'device_id', type: 'string', nullable: true },
        { name: 'readings', type: 'bigint', nullable: true },
      ],
    });
    expect(definition.sql.startsWith('SELECT')).toBe(true);
  });

  it('takes the type of a lake column from the shared schema and refuses a contradicting one', () => {
    const text = report().replace('--   device_id', '--   event_time');
    expect(
      parseReportDefinition('readings_per_device.sql', text.replace('device_id', 'event_time')).table
        .columns[2],
    ).toEqual({
      name: 'event_time',
      type: 'timestamp',
      nullable: true,
    });
    expect(() =>
      parseReportDefinition(
        'readings_per_device.sql',
        report().replace('--   device_id', '--   device_id bigint'),
      ),
    ).toThrow(/device_id is string in the lake record, not bigint/);
  });

  it.each([
    [{ name: 'other_name' }, /does not match the file name/],
    [{ parameters: 'dt' }, /2 \? placeholders but the header lists 1 parameters/],
    [{ parameters: 'dt, hour, device' }, /unknown parameters device/],
    [{ key_columns: 'device_id' }, /key_columns must include dt/],
    [{ warehouse_table: 'Report-Table' }, /not a lower-case identifier/],
  ])('rejects a header with %j', (overrides, error) => {
    expect(() => parseReportDefinition('readings_per_device.sql', report(overrides))).toThrow(error);
  });

  it('rejects a missing header key, an untyped new column and a query without ORDER BY', () => {
    expect(() =>
      parseReportDefinition('readings_per_device.sql', report().replace(/-- output:.*\n/, '')),
    ).toThrow(/header lacks output/);
    expect(() =>
      parseReportDefinition('readings_per_device.sql', report().replace('readings bigint', 'readings')),
    ).toThrow(/readings needs a type/);
    expect(() =>
      parseReportDefinition(
        'readings_per_device.sql',
        report({}, 'SELECT 1 FROM telemetry WHERE dt = ? AND hour = ?'),
      ),
    ).toThrow(/ORDER BY/);
  });

  it('refuses a ? parameter outside a WHERE clause, as Athena does, saying where it is', () => {
    expect(() =>
      parseReportDefinition(
        'readings_per_device.sql',
        report(
          {},
          'SELECT device_id, count(*) AS readings FROM telemetry WHERE dt = ? AND hour = ?\nGROUP BY device_id HAVING count(*) > ? ORDER BY device_id',
        ).replace('parameters: dt, hour', 'parameters: dt, hour, late_after_seconds'),
      ),
    ).toThrow(
      /line 2:38: a \? parameter in the HAVING clause: \? parameters can be placed only in the WHERE clause/,
    );
  });

  it('counts placeholders outside strings, quoted names and comments', () => {
    expect(countPlaceholders(`SELECT '?', "a?" FROM t -- why?\nWHERE a = ? /* ? */ AND b = ?`)).toBe(2);
  });

  it('refuses two reports writing the same warehouse table', () => {
    const first = { file: 'readings_per_device.sql', text: report() };
    const second = { file: 'copy.sql', text: report({ name: 'copy' }) };
    expect(() => parseReportCatalog([first, second])).toThrow(/report_readings_per_device is used twice/);
  });

  it('binds the lake relation in FROM and JOIN only', () => {
    const sql = 'SELECT telemetry_id FROM telemetry t JOIN telemetry u ON t.x = u.x';
    expect(bindLakeRelation(sql, '"pipeline_dev"."telemetry"')).toBe(
      'SELECT telemetry_id FROM "pipeline_dev"."telemetry" t JOIN "pipeline_dev"."telemetry" u ON t.x = u.x',
    );
  });

  it('binds the registry relation the same way, leaving the lake alone', () => {
    const sql =
      'SELECT g.device_id FROM device_registry g LEFT JOIN telemetry t ON t.device_id = g.device_id';
    expect(bindRelation(sql, REGISTRY_RELATION, '"pipeline_dev"."device_registry"')).toBe(
      'SELECT g.device_id FROM "pipeline_dev"."device_registry" g LEFT JOIN telemetry t ON t.device_id = g.device_id',
    );
    expect(bindRelation(sql, REGISTRY_RELATION, REGISTRY_RELATION)).toBe(sql);
  });

  it('loads every shipped report, each keyed by the partition and using known parameters', () => {
    const reports = loadReports();
    expect(reports.map(({ name, table }) => [name, table.name])).toEqual([
      ['anomalies', 'report_anomalies'],
      ['data_quality', 'report_data_quality'],
      ['device_hourly_stats', 'report_device_hourly_stats'],
      ['quarantine_by_reason', 'report_quarantine_by_reason'],
      ['registry_hourly_summary', 'report_registry_hourly_summary'],
      ['silent_devices', 'report_silent_devices'],
      ['site_hourly_summary', 'report_site_hourly_summary'],
    ]);
    for (const { table, parameters } of reports) {
      expect(table.keyColumns.slice(0, 2)).toEqual(['dt', 'hour']);
      expect(parameters.every((name) => REPORT_PARAMETER_NAMES.includes(name))).toBe(true);
    }
  });
});
