import { DASHBOARD_SOURCES } from '@pipeline/dashboard';
import { glueArn, ifThen, sub } from '@pipeline/shared/serverless';
import { DASHBOARD_PREFIX, REPORTS_PREFIX } from './storage';

/**
 * The real-time tables the dashboard of a stage without a warehouse reads: analytics-sink's Glue
 * tables, each over `realtime/<table>/` of its RealtimeBucket (realtime-lake.ts; the infrastructure
 * test checks these against it). The view is not read: it merges segments as the SQL over the
 * part table does, and its rows carry no partition to prune on.
 */
export const REALTIME_TABLES = [
  DASHBOARD_SOURCES.realtimeParts.relation,
  DASHBOARD_SOURCES.realtimeAlerts.relation,
];
export const realtimeTablePrefix = (table: string) => `realtime/${table}/`;

/** The runner's grants to publish the dashboard and, without a warehouse, read what it charts. */
export const dashboardStatements = [
  ifThen('PublishDashboard', {
    Sid: 'PublishDashboard',
    Effect: 'Allow',
    Action: ['s3:PutObject'],
    Resource: sub(`\${ReportsBucket.Arn}/${DASHBOARD_PREFIX}*`),
  }),
  ifThen('DashboardWithoutWarehouse', {
    // Report outputs of the hours charted (listing is granted by LocateReports).
    Sid: 'DashboardReadReports',
    Effect: 'Allow',
    Action: ['s3:GetObject'],
    Resource: sub(`\${ReportsBucket.Arn}/${REPORTS_PREFIX}*`),
  }),
  ifThen('DashboardWithoutWarehouse', {
    Sid: 'DashboardReadRealtimeTables',
    Effect: 'Allow',
    Action: ['glue:GetDatabase', 'glue:GetTable'],
    Resource: [
      glueArn('catalog'),
      glueArn('database/${param:realtimeGlueDatabaseName}'),
      ...REALTIME_TABLES.map((table) => glueArn(`table/\${param:realtimeGlueDatabaseName}/${table}`)),
    ],
  }),
  ifThen('DashboardWithoutWarehouse', {
    // Athena reads a table's objects with the caller's permissions: it locates the
    // bucket (a request without a prefix), lists the partition folders, reads objects.
    Sid: 'DashboardLocateRealtime',
    Effect: 'Allow',
    Action: ['s3:GetBucketLocation'],
    Resource: '${param:realtimeBucketArn}',
  }),
  ifThen('DashboardWithoutWarehouse', {
    Sid: 'DashboardListRealtime',
    Effect: 'Allow',
    Action: ['s3:ListBucket'],
    Resource: '${param:realtimeBucketArn}',
    Condition: {
      StringLike: {
        's3:prefix': REALTIME_TABLES.map((table) => `${realtimeTablePrefix(table)}*`),
      },
    },
  }),
  ifThen('DashboardWithoutWarehouse', {
    Sid: 'DashboardReadRealtime',
    Effect: 'Allow',
    Action: ['s3:GetObject'],
    Resource: REALTIME_TABLES.map((table) => `\${param:realtimeBucketArn}/${realtimeTablePrefix(table)}*`),
  }),
];
