import { arn, ref, sub } from '@pipeline/shared/serverless';
import { DASHBOARD_PREFIX } from './storage';

export const outputs = {
  ReportsBucketName: { Description: 'Reports bucket', Value: ref('ReportsBucket') },
  ReportsBucketArn: { Description: 'Reports bucket ARN', Value: arn('ReportsBucket') },
  RunQueueUrl: {
    Description: 'Queue of partitions to report (send re-run requests here)',
    Value: ref('RunQueue'),
  },
  DeadLetterQueueUrl: {
    Description: 'Messages and re-runs that kept failing',
    Value: ref('DeadLetterQueue'),
  },
  AthenaWorkGroupName: { Description: 'Athena workgroup of the reports', Value: ref('AthenaWorkGroup') },
  DashboardObject: {
    Condition: 'PublishDashboard',
    Description: 'The dashboard (private): aws s3 presign <this> --expires-in 3600',
    Value: sub(`s3://\${ReportsBucket}/${DASHBOARD_PREFIX}index.html`),
  },
  QuickSightDashboardArn: {
    Condition: 'CreateQuickSight',
    Description: 'The QuickSight dashboard (QuickSight console: Dashboards)',
    Value: arn('QuickSightDashboard'),
  },
  RedshiftWorkgroupName: {
    Condition: 'CreateWarehouse',
    Description: 'Redshift Serverless workgroup',
    Value: ref('RedshiftWorkgroup'),
  },
};
