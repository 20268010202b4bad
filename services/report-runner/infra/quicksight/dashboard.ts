/**
 * The QuickSight dashboard's definition: the panels of the static page (dashboard/src),
 * each visual named by the id of the chart, table or headline number it mirrors, over the datasets
 * of datasets.ts. The shape is CloudFormation's `DashboardVersionDefinition`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-quicksight-dashboard-dashboardversiondefinition.html
 */
import { METRIC_NAMES, METRICS, type MetricName } from '@pipeline/shared';
import { DASHBOARD_DEFAULTS, DASHBOARD_SOURCES } from '@pipeline/dashboard';
import { datasetLogicalId, HOUR_START, tableId, type DatasetDefinition } from './datasets';

const {
  realtimeWindows,
  realtimeAlerts,
  siteHourly,
  deviceHourly,
  anomalies,
  dataQuality,
  quarantineByReason,
} = DASHBOARD_SOURCES;

type Aggregation = 'SUM' | 'AVERAGE' | 'MIN' | 'MAX';

const column = (dataset: string, name: string) => ({ DataSetIdentifier: dataset, ColumnName: name });
const title = (text: string) => ({ Visibility: 'VISIBLE', FormatText: { PlainText: text } });

const dateDimension = (id: string, dataset: string, name: string, granularity: 'MINUTE' | 'HOUR') => ({
  DateDimensionField: { FieldId: id, Column: column(dataset, name), DateGranularity: granularity },
});
const categoryDimension = (id: string, dataset: string, name: string) => ({
  CategoricalDimensionField: { FieldId: id, Column: column(dataset, name) },
});
const numericMeasure = (id: string, dataset: string, name: string, aggregation: Aggregation) => ({
  NumericalMeasureField: {
    FieldId: id,
    Column: column(dataset, name),
    AggregationFunction: { SimpleNumericalAggregation: aggregation },
  },
});
const countMeasure = (id: string, dataset: string, name: string, distinct = false) => ({
  CategoricalMeasureField: {
    FieldId: id,
    Column: column(dataset, name),
    AggregationFunction: distinct ? 'DISTINCT_COUNT' : 'COUNT',
  },
});

interface Line {
  /** The static page's series label. */
  label: string;
  column: string;
  aggregation: Aggregation;
}

/** A line chart over time: one line per measure, or per value of `colorBy` (one measure). */
const lineChart = (options: {
  id: string;
  title: string;
  subtitle: string;
  dataset: string;
  time: { column: string; granularity: 'MINUTE' | 'HOUR' };
  lines: Line[];
  colorBy?: string;
}) => ({
  LineChartVisual: {
    VisualId: options.id,
    Title: title(options.title),
    Subtitle: title(options.subtitle),
    ChartConfiguration: {
      FieldWells: {
        LineChartAggregatedFieldWells: {
          Category: [
            dateDimension(
              `${options.id}-time`,
              options.dataset,
              options.time.column,
              options.time.granularity,
            ),
          ],
          Values: options.lines.map((line) =>
            numericMeasure(`${options.id}-${line.column}`, options.dataset, line.column, line.aggregation),
          ),
          ...(options.colorBy
            ? {
                Colors: [
                  categoryDimension(`${options.id}-${options.colorBy}`, options.dataset, options.colorBy),
                ],
              }
            : {}),
        },
      },
      ...(options.colorBy
        ? {}
        : {
            Legend: { Visibility: 'VISIBLE' },
            DataLabels: { Visibility: 'HIDDEN' },
          }),
    },
    Actions: [],
    ColumnHierarchies: [],
  },
});

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
const siteColumn = (metric: MetricName) => (metric === 'battery' ? 'battery_min' : `${metric}_avg`);

const charts = (hubSources: readonly string[]) => [
  lineChart({
    id: 'events-per-minute',
    title: 'Events per minute',
    subtitle: `Distinct readings per window in the real-time windows (${realtimeWindows.relation}), in total and by path into the hub.`,
    dataset: realtimeWindows.relation,
    time: { column: 'window_start', granularity: 'MINUTE' },
    lines: [
      { label: 'All paths', column: 'event_count', aggregation: 'SUM' },
      ...hubSources.map((source) => ({
        label: source,
        column: `${source}_count`,
        aggregation: 'SUM' as const,
      })),
    ],
  }),
  ...METRIC_NAMES.map((metric) =>
    lineChart({
      id: `site-${metric}`,
      title: metric === 'battery' ? 'Lowest battery per site' : `Average ${metric} per site`,
      subtitle:
        metric === 'battery'
          ? `Lowest battery level reported in each site per hour (${siteHourly.relation}.battery_min), ${METRICS[metric].unit}.`
          : `Mean ${metric} of the readings of each site per hour (${siteHourly.relation}.${siteColumn(metric)}), ${METRICS[metric].unit}.`,
      dataset: siteHourly.relation,
      time: { column: HOUR_START, granularity: 'HOUR' },
      lines: [
        {
          label: capitalise(metric),
          column: siteColumn(metric),
          aggregation: metric === 'battery' ? 'MIN' : 'AVERAGE',
        },
      ],
      colorBy: 'site',
    }),
  ),
  lineChart({
    id: 'records-per-hour',
    title: 'Records stored per hour',
    subtitle: `Records written to the lake and distinct readings among them (${dataQuality.relation}).`,
    dataset: dataQuality.relation,
    time: { column: HOUR_START, granularity: 'HOUR' },
    lines: [
      { label: 'Records stored', column: 'records', aggregation: 'SUM' },
      { label: 'Distinct readings', column: 'readings', aggregation: 'SUM' },
    ],
  }),
  lineChart({
    id: 'duplicates-late',
    title: 'Duplicates and late records per hour',
    subtitle: `Extra copies of a reading (same event_id) and records stored long after their event time (${dataQuality.relation}).`,
    dataset: dataQuality.relation,
    time: { column: HOUR_START, granularity: 'HOUR' },
    lines: [
      { label: 'Duplicate copies', column: 'duplicate_records', aggregation: 'SUM' },
      { label: 'Late records', column: 'late_records', aggregation: 'SUM' },
    ],
  }),
  {
    BarChartVisual: {
      VisualId: 'quarantine-by-reason',
      Title: title('Quarantine by reason'),
      Subtitle: title(
        `Records rejected per hour received, by reason, every rejecting hop together (${quarantineByReason.relation}).`,
      ),
      ChartConfiguration: {
        FieldWells: {
          BarChartAggregatedFieldWells: {
            Category: [
              dateDimension('quarantine-by-reason-time', quarantineByReason.relation, HOUR_START, 'HOUR'),
            ],
            Values: [
              numericMeasure('quarantine-by-reason-rejected', quarantineByReason.relation, 'rejected', 'SUM'),
            ],
            Colors: [categoryDimension('quarantine-by-reason-reason', quarantineByReason.relation, 'reason')],
          },
        },
        BarsArrangement: 'STACKED',
        Orientation: 'VERTICAL',
      },
      Actions: [],
      ColumnHierarchies: [],
    },
  },
  {
    BarChartVisual: {
      VisualId: 'anomalies-per-hour',
      Title: title('Anomalies per hour'),
      Subtitle: title(`Readings outside the configured thresholds, by metric (${anomalies.relation}).`),
      ChartConfiguration: {
        FieldWells: {
          BarChartAggregatedFieldWells: {
            Category: [dateDimension('anomalies-per-hour-time', anomalies.relation, HOUR_START, 'HOUR')],
            Values: [countMeasure('anomalies-per-hour-count', anomalies.relation, 'event_id')],
            Colors: [categoryDimension('anomalies-per-hour-metric', anomalies.relation, 'metric')],
          },
        },
        BarsArrangement: 'STACKED',
        Orientation: 'VERTICAL',
      },
      Actions: [],
      ColumnHierarchies: [],
    },
  },
];

const sortBy = (fieldId: string, direction: 'ASC' | 'DESC') => ({
  RowSort: [{ FieldSort: { FieldId: fieldId, Direction: direction } }],
});

/** A table of rows as stored, newest first. */
const rowsTable = (
  id: string,
  name: string,
  subtitle: string,
  dataset: string,
  columns: string[],
  newest: string,
) => ({
  TableVisual: {
    VisualId: id,
    Title: title(name),
    Subtitle: title(subtitle),
    ChartConfiguration: {
      FieldWells: {
        TableUnaggregatedFieldWells: {
          Values: columns.map((name) => ({ FieldId: `${id}-${name}`, Column: column(dataset, name) })),
        },
      },
      SortConfiguration: sortBy(`${id}-${newest}`, 'DESC'),
    },
    Actions: [],
  },
});

/** One row per device: `measure` of its reported hours, sorted ascending. */
const deviceTable = (
  id: string,
  name: string,
  subtitle: string,
  measure: Record<string, unknown>,
  measureId: string,
) => ({
  TableVisual: {
    VisualId: id,
    Title: title(name),
    Subtitle: title(subtitle),
    ChartConfiguration: {
      FieldWells: {
        TableAggregatedFieldWells: {
          GroupBy: [
            categoryDimension(`${id}-device_id`, deviceHourly.relation, 'device_id'),
            categoryDimension(`${id}-site`, deviceHourly.relation, 'site'),
          ],
          Values: [measure],
        },
      },
      SortConfiguration: sortBy(measureId, 'ASC'),
    },
    Actions: [],
  },
});

const tables = () => [
  deviceTable(
    'lowest-battery',
    'Lowest battery',
    `Devices by the lowest battery level of their reported hours (${deviceHourly.relation}.battery_min), lowest first.`,
    numericMeasure('lowest-battery-battery_min', deviceHourly.relation, 'battery_min', 'MIN'),
    'lowest-battery-battery_min',
  ),
  deviceTable(
    'silent-devices',
    'Silent devices',
    `Devices by their newest reported hour (${deviceHourly.relation}), the longest silent first.`,
    {
      DateMeasureField: {
        FieldId: 'silent-devices-newest-hour',
        Column: column(deviceHourly.relation, HOUR_START),
        AggregationFunction: 'MAX',
      },
    },
    'silent-devices-newest-hour',
  ),
  rowsTable(
    'anomalies',
    'Latest anomalies',
    `The newest readings outside their thresholds, with the evidence (${anomalies.relation}).`,
    anomalies.relation,
    Object.keys(anomalies.columns).filter((name) => name !== 'dt' && name !== 'hour'),
    'event_time',
  ),
  rowsTable(
    'alerts',
    'Real-time alerts',
    `Alerts analytics-sink sent, newest window first, with the observed value (${realtimeAlerts.relation}).`,
    realtimeAlerts.relation,
    Object.keys(realtimeAlerts.columns),
    'window_start',
  ),
];

const kpi = (id: string, name: string, measure: Record<string, unknown>) => ({
  KPIVisual: {
    VisualId: `kpi-${id}`,
    Title: title(name),
    ChartConfiguration: { FieldWells: { Values: [measure] } },
    Actions: [],
  },
});

const kpis = () => [
  kpi('devices', 'Devices', countMeasure('kpi-devices-count', deviceHourly.relation, 'device_id', true)),
  kpi('readings', 'Readings', numericMeasure('kpi-readings-sum', dataQuality.relation, 'readings', 'SUM')),
  kpi(
    'duplicates',
    'Duplicate copies',
    numericMeasure('kpi-duplicates-sum', dataQuality.relation, 'duplicate_records', 'SUM'),
  ),
  kpi('late', 'Late records', numericMeasure('kpi-late-sum', dataQuality.relation, 'late_records', 'SUM')),
  kpi('anomalies', 'Anomalies', countMeasure('kpi-anomalies-count', anomalies.relation, 'event_id')),
  kpi('alerts', 'Alerts sent', countMeasure('kpi-alerts-count', realtimeAlerts.relation, 'alert_id')),
];

/** The visual ids of the dashboard: the static page's chart ids, table ids and `kpi-<id>`. */
export const quickSightVisualIds = (hubSources: readonly string[]): string[] =>
  visualsOf(hubSources).map((visual) => (Object.values(visual)[0] as { VisualId: string }).VisualId);

const SHEET_ID = 'pipeline';

const visualsOf = (hubSources: readonly string[]) => [...kpis(), ...charts(hubSources), ...tables()];

/** The visuals that read a dataset: every field of theirs names it. */
const visualsReading = (visuals: readonly object[], dataset: string): string[] =>
  visuals
    .filter((visual) => JSON.stringify(visual).includes(`"DataSetIdentifier":"${dataset}"`))
    .map((visual) => (Object.values(visual)[0] as { VisualId: string }).VisualId);

/**
 * The time range the static page charts, relative to now (the static page ends at the newest data
 * instead): the newest hours of the report datasets, the newest minutes of the real-time windows.
 * The alerts are not filtered (the page counts them all). A filter group holds one dataset's column
 * and applies to the visuals that read that dataset.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-quicksight-dashboard-relativedatesfilter.html
 */
const timeRanges = (visuals: readonly object[]) =>
  [
    ...[siteHourly, deviceHourly, anomalies, dataQuality, quarantineByReason].map(({ relation }) => ({
      relation,
      column: HOUR_START,
      granularity: 'HOUR',
      last: DASHBOARD_DEFAULTS.reportHours,
    })),
    {
      relation: realtimeWindows.relation,
      column: 'window_start',
      granularity: 'MINUTE',
      last: DASHBOARD_DEFAULTS.realtimeMinutes,
    },
  ].map(({ relation, column: name, granularity, last }) => ({
    FilterGroupId: `time-${tableId(relation)}`,
    CrossDataset: 'SINGLE_DATASET',
    Status: 'ENABLED',
    Filters: [
      {
        RelativeDatesFilter: {
          FilterId: `time-${tableId(relation)}-filter`,
          Column: column(relation, name),
          AnchorDateConfiguration: { AnchorOption: 'NOW' },
          TimeGranularity: granularity,
          RelativeDateType: 'LAST',
          RelativeDateValue: last,
          NullOption: 'NON_NULLS_ONLY',
        },
      },
    ],
    ScopeConfiguration: {
      SelectedSheets: {
        SheetVisualScopingConfigurations: [
          { SheetId: SHEET_ID, Scope: 'SELECTED_VISUALS', VisualIds: visualsReading(visuals, relation) },
        ],
      },
    },
  }));

/**
 * The dashboard's `Definition`: one sheet with the headline numbers, the charts and the tables of
 * the static page, reading the datasets by their relation names, over the time range it charts.
 */
export const quickSightDashboard = (
  datasets: readonly DatasetDefinition[],
  hubSources: readonly string[],
) => {
  const visuals = visualsOf(hubSources);
  return {
    DataSetIdentifierDeclarations: datasets.map(({ relation }) => ({
      Identifier: relation,
      DataSetArn: { 'Fn::GetAtt': [datasetLogicalId(relation), 'Arn'] },
    })),
    Sheets: [{ SheetId: SHEET_ID, Name: 'Ingestion pipeline', Visuals: visuals }],
    FilterGroups: timeRanges(visuals),
  };
};
