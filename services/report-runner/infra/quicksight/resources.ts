/**
 * The CloudFormation resources of the opt-in QuickSight dashboard (`quicksight=enabled`): a data
 * source (Athena through the stage's workgroup, or the stage's warehouse), a dataset per relation,
 * the dashboard, and over Athena the role QuickSight uses and Glue tables over the report outputs.
 * Every resource carries a condition, so a stage without QuickSight gets none of them.
 */
import {
  arn,
  assumedBy,
  athenaQueryResults,
  glueArn,
  ifThen,
  NONE,
  partitionProjection,
  queryInWorkgroup,
  ref,
  sub,
} from '@pipeline/shared/serverless';
import { HUB_SOURCES } from '@pipeline/dashboard';
import { quickSightDashboard } from './dashboard';
import {
  datasetLogicalId,
  HOUR_START,
  hourStartExpression,
  pascalCase,
  quickSightDatasets,
  quickSightType,
  realtimeDatasetSql,
  reportGlueTable,
  reportTableFolder,
  tableId,
  type DatasetDefinition,
  type ReportTable,
} from './datasets';

/** The stack conditions the resources below use. */
export const QUICKSIGHT_CONDITIONS = {
  CreateQuickSight: { 'Fn::Equals': ['${param:quicksight}', 'enabled'] },
  // Without a warehouse QuickSight queries through Athena, as the static page's real-time panels do.
  QuickSightOverAthena: {
    'Fn::And': [{ Condition: 'CreateQuickSight' }, { 'Fn::Equals': ['${param:warehouse}', NONE] }],
  },
  QuickSightOverPostgres: {
    'Fn::And': [{ Condition: 'CreateQuickSight' }, { 'Fn::Equals': ['${param:warehouse}', 'postgres'] }],
  },
  QuickSightThroughVpc: {
    'Fn::And': [
      { Condition: 'CreateQuickSight' },
      { 'Fn::Not': [{ 'Fn::Equals': ['${param:quicksightVpcConnectionArn}', NONE] }] },
    ],
  },
};

/** What the resources need from the rest of report-runner's stack. */
export interface QuickSightContext {
  /** The report tables (warehouse table name and columns of every SQL report). */
  reports: readonly ReportTable[];
  /** Prefix of the report outputs in the reports bucket (`reports/`). */
  reportsPrefix: string;
  /** Prefix of Athena's results in the reports bucket. */
  athenaResultsPrefix: string;
  /** `realtime/<table>/`: where analytics-sink writes a real-time table. */
  realtimeTablePrefix: (table: string) => string;
  /** The real-time Glue tables read over Athena (the window parts and the alerts). */
  realtimeTables: readonly string[];
  /** How far back the real-time datasets read over Athena (the `dt` partitions pruned to). */
  realtimeLookbackHours: number;
}

const NAME_PREFIX = '${self:service}-${sls:stage}';
const WAREHOUSE_SCHEMA = 'public';

/**
 * What the principal may do with each kind of asset: the owner's actions, as the QuickSight console
 * grants them to an asset's owner. https://docs.aws.amazon.com/quicksight/latest/developerguide/update-data-source-permissions.html,
 * https://docs.aws.amazon.com/quicksight/latest/APIReference/API_ResourcePermission.html
 */
export const OWNER_ACTIONS = {
  dataSource: [
    'quicksight:DescribeDataSource',
    'quicksight:DescribeDataSourcePermissions',
    'quicksight:PassDataSource',
    'quicksight:UpdateDataSource',
    'quicksight:DeleteDataSource',
    'quicksight:UpdateDataSourcePermissions',
  ],
  dataSet: [
    'quicksight:DescribeDataSet',
    'quicksight:DescribeDataSetPermissions',
    'quicksight:PassDataSet',
    'quicksight:DescribeIngestion',
    'quicksight:ListIngestions',
    'quicksight:UpdateDataSet',
    'quicksight:DeleteDataSet',
    'quicksight:CreateIngestion',
    'quicksight:CancelIngestion',
    'quicksight:UpdateDataSetPermissions',
  ],
  dashboard: [
    'quicksight:DescribeDashboard',
    'quicksight:ListDashboardVersions',
    'quicksight:QueryDashboard',
    'quicksight:UpdateDashboard',
    'quicksight:DeleteDashboard',
    'quicksight:DescribeDashboardPermissions',
    'quicksight:UpdateDashboardPermissions',
    'quicksight:UpdateDashboardPublishedVersion',
  ],
} as const;

const permissions = (actions: readonly string[]) => [
  { Principal: '${param:quicksightPrincipalArn}', Actions: [...actions] },
];

/**
 * The role the Athena data source runs as (`AthenaParameters.RoleArn`, "to override an
 * account-wide role for a specific Athena data source":
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-quicksight-datasource-athenaparameters.html).
 * With it QuickSight needs no access to these buckets through its account-wide service role; this
 * role reads only what the datasets read and writes only Athena's results.
 */
const athenaRole = (context: QuickSightContext) => {
  const reportTables = context.reports.map(({ relation }) => relation);
  return {
    Type: 'AWS::IAM::Role',
    Condition: 'QuickSightOverAthena',
    Properties: {
      Description: 'QuickSight: query the report tables and real-time tables through the workgroup',
      AssumeRolePolicyDocument: assumedBy('quicksight.amazonaws.com'),
      Policies: [
        {
          PolicyName: 'quicksight-athena',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              queryInWorkgroup('AthenaWorkGroup', { quickSight: true }),
              {
                Sid: 'BrowseCatalog',
                Effect: 'Allow',
                Action: [
                  'athena:GetDataCatalog',
                  'athena:ListDatabases',
                  'athena:GetDatabase',
                  'athena:ListTableMetadata',
                  'athena:GetTableMetadata',
                ],
                Resource: sub(
                  'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:datacatalog/AwsDataCatalog',
                ),
              },
              {
                Sid: 'ReadTables',
                Effect: 'Allow',
                Action: [
                  'glue:GetDatabase',
                  'glue:GetDatabases',
                  'glue:GetTable',
                  'glue:GetTables',
                  'glue:GetPartition',
                  'glue:GetPartitions',
                ],
                Resource: [
                  glueArn('catalog'),
                  glueArn('database/${param:glueDatabaseName}'),
                  glueArn('database/${param:realtimeGlueDatabaseName}'),
                  ...reportTables.map((table) => glueArn(`table/\${param:glueDatabaseName}/${table}`)),
                  ...context.realtimeTables.map((table) =>
                    glueArn(`table/\${param:realtimeGlueDatabaseName}/${table}`),
                  ),
                ],
              },
              {
                Sid: 'LocateBuckets',
                Effect: 'Allow',
                Action: ['s3:GetBucketLocation'],
                Resource: [arn('ReportsBucket'), '${param:realtimeBucketArn}'],
              },
              {
                Sid: 'ListReportsAndResults',
                Effect: 'Allow',
                Action: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
                Resource: arn('ReportsBucket'),
                Condition: {
                  StringLike: {
                    's3:prefix': [`${context.reportsPrefix}*`, `${context.athenaResultsPrefix}*`],
                  },
                },
              },
              {
                Sid: 'ReadReports',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: sub(`\${ReportsBucket.Arn}/${context.reportsPrefix}*`),
              },
              athenaQueryResults('ReportsBucket', context.athenaResultsPrefix),
              {
                Sid: 'ListRealtime',
                Effect: 'Allow',
                Action: ['s3:ListBucket'],
                Resource: '${param:realtimeBucketArn}',
                Condition: {
                  StringLike: {
                    's3:prefix': context.realtimeTables.map(
                      (table) => `${context.realtimeTablePrefix(table)}*`,
                    ),
                  },
                },
              },
              {
                Sid: 'ReadRealtime',
                Effect: 'Allow',
                Action: ['s3:GetObject'],
                Resource: context.realtimeTables.map(
                  (table) => `\${param:realtimeBucketArn}/${context.realtimeTablePrefix(table)}*`,
                ),
              },
            ],
          },
        },
      ],
    },
  };
};

/**
 * A report's outputs as a Glue table, for Athena (and so QuickSight) on a stage without a
 * warehouse: newline-delimited JSON under `reports/<report>/dt=/hour=/`, partition projection so no
 * crawler is needed, the run's `_` files skipped by Athena ("Athena ignores files whose names begin
 * with an underscore or a dot": https://docs.aws.amazon.com/athena/latest/ug/tables-location-format.html).
 * Timestamps are written as `YYYY-MM-DD HH:MM:SS.sss`, the JSON SerDe's default form
 * (https://docs.aws.amazon.com/athena/latest/ug/hive-json-serde.html).
 */
const reportGlueTableResource = (report: ReportTable, context: QuickSightContext) => {
  const name = report.relation.replace(/^report_/, '');
  const location = `\${ReportsBucket}/${reportTableFolder(context.reportsPrefix, report.relation)}`;
  const projection = partitionProjection({
    location: `s3://${location}`,
    // The newest 90 days: a query without a dt filter (QuickSight's) lists this many days only.
    dtRange: 'NOW-90DAYS,NOW',
    comments: { dt: 'Report date, UTC, yyyy-MM-dd', hour: 'Report hour, UTC, HH' },
  });
  return {
    Type: 'AWS::Glue::Table',
    Condition: 'QuickSightOverAthena',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: '${param:glueDatabaseName}',
      TableInput: {
        Name: report.relation,
        Description: `report-runner's ${name} report outputs (QuickSight over Athena)`,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { classification: 'json', ...projection.parameters },
        PartitionKeys: projection.partitionKeys,
        StorageDescriptor: {
          Columns: reportGlueTable(report).columns.map(({ name: column, type }) => ({
            Name: column,
            Type: type,
          })),
          Location: sub(`s3://${location}`),
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe' },
        },
      },
    },
  };
};

/** Over Athena `dt` is the Glue table's string partition; in a warehouse a DATE. */
const inputColumns = (dataset: DatasetDefinition, overAthena: boolean) =>
  dataset.columns.map(({ name, type }) => ({
    Name: name,
    Type: overAthena && dataset.kind === 'report' && name === 'dt' ? 'STRING' : quickSightType(type),
  }));

const physicalTable = (dataset: DatasetDefinition, context: QuickSightContext, overAthena: boolean) => {
  const relational = (schema: string, name: string) => ({
    RelationalTable: {
      DataSourceArn: arn('QuickSightDataSource'),
      ...(overAthena ? { Catalog: 'AwsDataCatalog' } : {}),
      Schema: schema,
      Name: name,
      InputColumns: inputColumns(dataset, overAthena),
    },
  });
  if (!overAthena) return relational(WAREHOUSE_SCHEMA, dataset.relation);
  if (dataset.kind === 'report') return relational('${param:glueDatabaseName}', dataset.relation);
  return {
    CustomSql: {
      DataSourceArn: arn('QuickSightDataSource'),
      Name: dataset.relation,
      SqlQuery: realtimeDatasetSql(
        dataset,
        `"\${param:realtimeGlueDatabaseName}"."${dataset.athenaTable ?? dataset.relation}"`,
        context.realtimeLookbackHours,
      ),
      Columns: inputColumns(dataset, overAthena),
    },
  };
};

const dataset = (definition: DatasetDefinition, context: QuickSightContext) => ({
  Type: 'AWS::QuickSight::DataSet',
  Condition: 'CreateQuickSight',
  Properties: {
    AwsAccountId: ref('AWS::AccountId'),
    DataSetId: `${NAME_PREFIX}-${tableId(definition.relation)}`,
    Name: `${NAME_PREFIX} ${definition.relation}`,
    // Queries go to the source on every view: no SPICE capacity to buy, always the newest rows.
    ImportMode: 'DIRECT_QUERY',
    PhysicalTableMap: {
      [tableId(definition.relation)]: ifThen(
        'QuickSightOverAthena',
        physicalTable(definition, context, true),
        physicalTable(definition, context, false),
      ),
    },
    ...(definition.kind === 'report'
      ? {
          LogicalTableMap: {
            [tableId(definition.relation)]: {
              Alias: definition.relation,
              Source: { PhysicalTableId: tableId(definition.relation) },
              DataTransforms: [
                {
                  CreateColumnsOperation: {
                    Columns: [
                      {
                        ColumnName: HOUR_START,
                        ColumnId: HOUR_START,
                        Expression: ifThen(
                          'QuickSightOverAthena',
                          hourStartExpression(true),
                          hourStartExpression(false),
                        ),
                      },
                    ],
                  },
                },
              ],
            },
          },
        }
      : {}),
    Permissions: permissions(OWNER_ACTIONS.dataSet),
  },
});

// The created workgroup keeps the default port (no `Port` set), the one every Serverless endpoint
// listens on unless configured: https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-connecting.html
const REDSHIFT_SERVERLESS_PORT = 5439;

/**
 * The data source. Over a warehouse QuickSight signs in with the user and password of a Secrets
 * Manager secret (`quicksightWarehouseSecretArn`, keys `username` and `password`:
 * https://docs.aws.amazon.com/quicksight/latest/APIReference/API_DataSourceCredentials.html) and
 * reaches a private endpoint through a QuickSight VPC connection when one is given.
 * Redshift Serverless endpoints are `<workgroup>.<account>.<region>.redshift-serverless.amazonaws.com:5439`
 * (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-connecting.html); a provisioned
 * cluster needs only its id ("Host ... can be blank if ClusterId is provided":
 * https://docs.aws.amazon.com/quicksight/latest/APIReference/API_RedshiftParameters.html).
 */
const dataSource = () => ({
  Type: 'AWS::QuickSight::DataSource',
  Condition: 'CreateQuickSight',
  Properties: {
    AwsAccountId: ref('AWS::AccountId'),
    DataSourceId: NAME_PREFIX,
    Name: NAME_PREFIX,
    Type: ifThen(
      'QuickSightOverAthena',
      'ATHENA',
      ifThen('QuickSightOverPostgres', 'POSTGRESQL', 'REDSHIFT'),
    ),
    DataSourceParameters: ifThen(
      'QuickSightOverAthena',
      { AthenaParameters: { WorkGroup: ref('AthenaWorkGroup'), RoleArn: arn('QuickSightAthenaRole') } },
      ifThen(
        'QuickSightOverPostgres',
        {
          PostgreSqlParameters: {
            Host: { 'Fn::Select': [0, { 'Fn::Split': [':', '${param:quicksightPostgresEndpoint}'] }] },
            Port: {
              'Fn::Select': [
                0,
                {
                  'Fn::Split': [
                    '/',
                    { 'Fn::Select': [1, { 'Fn::Split': [':', '${param:quicksightPostgresEndpoint}'] }] },
                  ],
                },
              ],
            },
            Database: { 'Fn::Select': [1, { 'Fn::Split': ['/', '${param:quicksightPostgresEndpoint}'] }] },
          },
        },
        {
          RedshiftParameters: ifThen(
            'CreateWarehouse',
            {
              Host: { 'Fn::GetAtt': ['RedshiftWorkgroup', 'Workgroup.Endpoint.Address'] },
              Port: REDSHIFT_SERVERLESS_PORT,
              Database: '${param:redshiftDatabase}',
            },
            ifThen(
              'ExistingServerless',
              {
                Host: sub(
                  '${param:redshiftWorkgroupName}.${AWS::AccountId}.${AWS::Region}.redshift-serverless.amazonaws.com',
                ),
                Port: REDSHIFT_SERVERLESS_PORT,
                Database: '${param:redshiftDatabase}',
              },
              { ClusterId: '${param:redshiftClusterIdentifier}', Database: '${param:redshiftDatabase}' },
            ),
          ),
        },
      ),
    ),
    Credentials: ifThen('QuickSightOverAthena', ref('AWS::NoValue'), {
      SecretArn: '${param:quicksightWarehouseSecretArn}',
    }),
    VpcConnectionProperties: ifThen('QuickSightThroughVpc', {
      VpcConnectionArn: '${param:quicksightVpcConnectionArn}',
    }),
    Permissions: permissions(OWNER_ACTIONS.dataSource),
  },
});

/** Every QuickSight resource of report-runner's stack, each under its condition. */
export const quickSightResources = (context: QuickSightContext): Record<string, unknown> => {
  const datasets = quickSightDatasets(context.reports);
  return {
    QuickSightAthenaRole: athenaRole(context),
    ...Object.fromEntries(
      context.reports.map((report) => [
        `QuickSightGlueTable${pascalCase(report.relation)}`,
        reportGlueTableResource(report, context),
      ]),
    ),
    QuickSightDataSource: dataSource(),
    ...Object.fromEntries(
      datasets.map((definition) => [datasetLogicalId(definition.relation), dataset(definition, context)]),
    ),
    QuickSightDashboard: {
      Type: 'AWS::QuickSight::Dashboard',
      Condition: 'CreateQuickSight',
      Properties: {
        AwsAccountId: ref('AWS::AccountId'),
        DashboardId: NAME_PREFIX,
        Name: 'Ingestion pipeline (${sls:stage})',
        Definition: quickSightDashboard(datasets, HUB_SOURCES),
        DashboardPublishOptions: {
          AdHocFilteringOption: { AvailabilityStatus: 'ENABLED' },
          ExportToCSVOption: { AvailabilityStatus: 'ENABLED' },
        },
        Permissions: permissions(OWNER_ACTIONS.dashboard),
      },
    },
  };
};
