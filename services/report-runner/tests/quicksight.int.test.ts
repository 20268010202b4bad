import path from 'node:path';
import {
  allowStatements,
  packageService,
  propertiesOf,
  publishedStageParameters,
  resolveConditions,
  resourcesOfType,
  validateReferences,
  validateResourceProperties,
  wildcardActions,
  type CfnTemplate,
} from '@pipeline/shared/testing';
import { tableId } from '../infra/quicksight/datasets';
import { OWNER_ACTIONS } from '../infra/quicksight/resources';
import { loadReports } from '../src/reports';

const SERVICE_DIR = path.join(__dirname, '..');
const PARAMS = {
  ingestBucketName: 'pipeline-test-ingest',
  ingestBucketArn: 'arn:aws:s3:::pipeline-test-ingest',
  realtimeBucketArn: 'arn:aws:s3:::pipeline-test-realtime',
  realtimeGlueDatabaseName: 'pipeline_test_rt',
  quicksight: 'enabled',
  quicksightPrincipalArn: 'arn:aws:quicksight:us-east-1:123456789012:group/default/pipeline-analysts',
};
const QUICKSIGHT_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pipeline-quicksight-AbCdEf';
const REPORT_TABLES = loadReports().map(({ table }) => table.name);

const quickSightResources = (template: CfnTemplate) =>
  Object.entries(template.Resources).filter(([, { Type }]) => Type.startsWith('AWS::QuickSight::'));

/** Every principal any QuickSight resource grants anything to. */
const principals = (template: CfnTemplate) =>
  new Set(
    quickSightResources(template).flatMap(([, { Properties = {} }]) =>
      (Properties.Permissions as { Principal: string }[]).map(({ Principal }) => Principal),
    ),
  );

const packaged = async (params: Record<string, string>) => {
  const { template } = await packageService(SERVICE_DIR, { params });
  expect(await validateResourceProperties(template)).toEqual([]);
  expect(await validateReferences(template)).toEqual([]);
  // Deployed alone on stage `test`: the values other stacks publish are in its Parameter Store.
  return resolveConditions(template, publishedStageParameters('test'));
};

describe('report-runner with quicksight=enabled (sls package)', () => {
  describe('without a warehouse: Athena through the stage workgroup', () => {
    let template: CfnTemplate;
    beforeAll(async () => {
      template = await packaged(PARAMS);
    }, 240_000);

    it('creates an Athena data source on the workgroup, run as its own role', () => {
      const source = propertiesOf(template, 'QuickSightDataSource');
      expect(source.Type).toBe('ATHENA');
      expect(source.DataSourceParameters).toEqual({
        AthenaParameters: {
          WorkGroup: { Ref: 'AthenaWorkGroup' },
          RoleArn: { 'Fn::GetAtt': ['QuickSightAthenaRole', 'Arn'] },
        },
      });
      expect(source.Credentials).toBeUndefined();
      expect(propertiesOf(template, 'QuickSightAthenaRole').AssumeRolePolicyDocument).toMatchObject({
        Statement: [{ Principal: { Service: 'quicksight.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
    });

    it('has datasets for the real-time windows, the alerts and every report table, and one dashboard over them', () => {
      const datasets = resourcesOfType(template, 'AWS::QuickSight::DataSet');
      const relations = datasets.flatMap(({ resource }) =>
        Object.keys(resource.Properties!.PhysicalTableMap as object),
      );
      expect(relations.sort()).toEqual(
        ['realtime_alert', 'realtime_device_window', ...REPORT_TABLES].map(tableId).sort(),
      );
      const declared = (
        propertiesOf(template, 'QuickSightDashboard').Definition as {
          DataSetIdentifierDeclarations: { DataSetArn: { 'Fn::GetAtt': [string, string] } }[];
        }
      ).DataSetIdentifierDeclarations.map(({ DataSetArn }) => DataSetArn['Fn::GetAtt'][0]);
      expect(declared.sort()).toEqual(datasets.map(({ logicalId }) => logicalId).sort());
    });

    it('reads the report outputs through Glue tables over reports/<report>/, the newest real-time partitions only', () => {
      const tables = resourcesOfType(template, 'AWS::Glue::Table').map(
        ({ resource }) =>
          resource.Properties!.TableInput as { Name: string; StorageDescriptor: { Location: unknown } },
      );
      expect(tables.map(({ Name }) => Name).sort()).toEqual([...REPORT_TABLES].sort());
      const anomalies = tables.find(({ Name }) => Name === 'report_anomalies')!;
      expect(anomalies.StorageDescriptor.Location).toEqual({
        'Fn::Sub': 's3://${ReportsBucket}/reports/anomalies/',
      });
      const windows = propertiesOf(template, 'QuickSightDataSetRealtimeDeviceWindow')
        .PhysicalTableMap as Record<string, { CustomSql: { SqlQuery: string } }>;
      expect(windows['realtime-device-window']!.CustomSql.SqlQuery).toMatch(
        /FROM "pipeline_test_rt"\."realtime_device_window_part"\nWHERE dt >= /,
      );
    });

    it('grants every data source, dataset and the dashboard to the principal only, as their owner', () => {
      expect([...principals(template)]).toEqual([PARAMS.quicksightPrincipalArn]);
      expect(propertiesOf(template, 'QuickSightDashboard').Permissions).toEqual([
        { Principal: PARAMS.quicksightPrincipalArn, Actions: [...OWNER_ACTIONS.dashboard] },
      ]);
    });

    it("scopes QuickSight's role: the workgroup, the tables it reads, reports/ and Athena results, the real-time prefixes", () => {
      expect(wildcardActions(template)).toEqual([]);
      const grants = allowStatements(template).filter(({ owner }) => owner === 'QuickSightAthenaRole');
      const bySid = Object.fromEntries(grants.map((grant) => [grant.sid, grant]));
      expect(bySid.ReadReports?.resources).toEqual([{ 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' }]);
      expect(bySid.AthenaResults?.resources).toEqual([
        { 'Fn::Sub': '${ReportsBucket.Arn}/athena-results/*' },
      ]);
      expect(bySid.ReadRealtime?.resources).toEqual([
        'arn:aws:s3:::pipeline-test-realtime/realtime/realtime_device_window_part/*',
        'arn:aws:s3:::pipeline-test-realtime/realtime/realtime_alert/*',
      ]);
      expect(grants.flatMap(({ actions }) => actions).filter((action) => /Put|Delete/.test(action))).toEqual([
        's3:PutObject',
      ]);
    });
  });

  describe('with warehouse=create-serverless: the warehouse', () => {
    let template: CfnTemplate;
    beforeAll(async () => {
      template = await packaged({
        ...PARAMS,
        warehouse: 'create-serverless',
        quicksightWarehouseSecretArn: QUICKSIGHT_SECRET,
      });
    }, 240_000);

    it('creates a Redshift data source on the workgroup endpoint, signing in with the secret', () => {
      const source = propertiesOf(template, 'QuickSightDataSource');
      expect(source.Type).toBe('REDSHIFT');
      expect(source.DataSourceParameters).toEqual({
        RedshiftParameters: {
          Host: { 'Fn::GetAtt': ['RedshiftWorkgroup', 'Workgroup.Endpoint.Address'] },
          Port: 5439,
          Database: 'dev',
        },
      });
      expect(source.Credentials).toEqual({ SecretArn: QUICKSIGHT_SECRET });
    });

    it('reads the warehouse tables, with no Athena role or Glue table', () => {
      expect(template.Resources.QuickSightAthenaRole).toBeUndefined();
      expect(resourcesOfType(template, 'AWS::Glue::Table')).toEqual([]);
      const sites = propertiesOf(template, 'QuickSightDataSetReportSiteHourlySummary')
        .PhysicalTableMap as Record<string, { RelationalTable: Record<string, unknown> }>;
      expect(sites['report-site-hourly-summary']!.RelationalTable).toMatchObject({
        Schema: 'public',
        Name: 'report_site_hourly_summary',
      });
      expect([...principals(template)]).toEqual([PARAMS.quicksightPrincipalArn]);
    });
  });
});
