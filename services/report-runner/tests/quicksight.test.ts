import { collectDashboard, DASHBOARD_DEFAULTS, HUB_SOURCES, type DashboardSource } from '@pipeline/dashboard';
import { validateResourceProperties } from '@pipeline/shared/testing';
import { quickSightDashboard, quickSightVisualIds } from '../infra/quicksight/dashboard';
import { quickSightDatasets } from '../infra/quicksight/datasets';
import { QUICKSIGHT_CONDITIONS, quickSightResources } from '../infra/quicksight/resources';
import { loadReports } from '../src/reports';

const METRIC_CHARTS = ['site-temperature', 'site-humidity', 'site-pressure', 'site-battery'];
const reports = loadReports().map(({ table }) => ({ relation: table.name, columns: table.columns }));
const resources = quickSightResources({
  reports,
  reportsPrefix: 'reports/',
  athenaResultsPrefix: 'athena-results/',
  realtimeTablePrefix: (table) => `realtime/${table}/`,
  realtimeTables: ['realtime_device_window_part', 'realtime_alert'],
  realtimeLookbackHours: 36,
});

/** A source with nothing in it: the static page still lists every panel. */
const emptySource: DashboardSource = {
  relations: () => Promise.resolve(new Set()),
  realtimeExtent: () => Promise.resolve(null),
  eventsPerWindow: () => Promise.resolve([]),
  alerts: () => Promise.resolve({ total: 0, rows: [] }),
  reportExtent: () => Promise.resolve(null),
  siteSummary: () => Promise.resolve({ sites: [], total: 0, rows: [] }),
  dataQuality: () => Promise.resolve([]),
  quarantineByReason: () => Promise.resolve([]),
  anomalies: () => Promise.resolve({ perHour: [], latest: [] }),
  fleet: () => Promise.resolve({ counts: {}, lowest: [], silent: [] }),
};

describe('the QuickSight resources (quicksight=enabled)', () => {
  it('conform to the CloudFormation resource specifications, both data source kinds', async () => {
    const problems = await validateResourceProperties({
      Conditions: QUICKSIGHT_CONDITIONS,
      Resources: resources as never,
    });
    expect(problems).toEqual([]);
  });

  // The resource schema's pattern for the keys of PhysicalTableMap and LogicalTableMap, which the
  // resource specifications do not carry (cfn-lint reports it as E3002):
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-quicksight-dataset.html
  it('name physical and logical tables as the DataSet schema allows (letters, digits, -)', () => {
    const datasets = Object.values(resources) as { Type: string; Properties: Record<string, object> }[];
    const keys = datasets
      .filter(({ Type }) => Type === 'AWS::QuickSight::DataSet')
      .flatMap(({ Properties }) => [
        ...Object.keys(Properties.PhysicalTableMap ?? {}),
        ...Object.keys(Properties.LogicalTableMap ?? {}),
      ]);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !/^[0-9a-zA-Z-]*$/.test(key))).toEqual([]);
  });

  it('put every resource under a condition, so a stage without QuickSight gets none', () => {
    for (const resource of Object.values(resources) as { Condition?: string }[])
      expect(['CreateQuickSight', 'QuickSightOverAthena']).toContain(resource.Condition);
  });

  it('have a dataset for the real-time windows, the alerts and every report table', () => {
    expect(
      quickSightDatasets(reports)
        .map(({ relation }) => relation)
        .sort(),
    ).toEqual(
      ['realtime_alert', 'realtime_device_window', ...reports.map(({ relation }) => relation)].sort(),
    );
  });

  it('show every chart, table and headline number of the static page but the rejections, which no store holds', async () => {
    const model = await collectDashboard({ source: emptySource, now: new Date('2026-03-01T12:00:00Z') });
    const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const staticPanels = [
      ...model.charts.map(({ id }) => id),
      ...Object.keys(model.tables)
        .filter((table) => table !== 'rejections')
        .map(kebab),
      ...['devices', 'readings', 'duplicates', 'late', 'anomalies', 'alerts'].map((kpi) => `kpi-${kpi}`),
    ];
    expect(quickSightVisualIds(HUB_SOURCES).sort()).toEqual(staticPanels.sort());
  });

  it("charts the static page's time range: the newest report hours and real-time minutes, alerts all time", () => {
    const { FilterGroups } = quickSightDashboard(quickSightDatasets(reports), HUB_SOURCES);
    const ranges = FilterGroups.map(({ Filters: [filter], ScopeConfiguration }) => ({
      dataset: filter!.RelativeDatesFilter.Column.DataSetIdentifier,
      last: `${filter!.RelativeDatesFilter.RelativeDateValue} ${filter!.RelativeDatesFilter.TimeGranularity}`,
      visuals: ScopeConfiguration.SelectedSheets.SheetVisualScopingConfigurations[0]!.VisualIds,
    }));
    const hours = `${DASHBOARD_DEFAULTS.reportHours} HOUR`;
    expect(ranges).toEqual([
      { dataset: 'report_site_hourly_summary', last: hours, visuals: METRIC_CHARTS },
      {
        dataset: 'report_device_hourly_stats',
        last: hours,
        visuals: ['kpi-devices', 'lowest-battery', 'silent-devices'],
      },
      {
        dataset: 'report_anomalies',
        last: hours,
        visuals: ['kpi-anomalies', 'anomalies-per-hour', 'anomalies'],
      },
      {
        dataset: 'report_data_quality',
        last: hours,
        visuals: ['kpi-readings', 'kpi-duplicates', 'kpi-late', 'records-per-hour', 'duplicates-late'],
      },
      { dataset: 'report_quarantine_by_reason', last: hours, visuals: ['quarantine-by-reason'] },
      {
        dataset: 'realtime_device_window',
        last: `${DASHBOARD_DEFAULTS.realtimeMinutes} MINUTE`,
        visuals: ['events-per-minute'],
      },
    ]);
  });
});
