import { secureBucket, tlsOnlyBucketPolicy } from '@pipeline/shared/serverless';

/** Where the workgroup writes query results in the reports bucket (scratch, expired). */
export const ATHENA_RESULTS_PREFIX = 'athena-results/';
/** Where the report outputs and their manifests live in the reports bucket. */
export const REPORTS_PREFIX = 'reports/';
/** Where the static dashboard is published in the reports bucket. */
export const DASHBOARD_PREFIX = 'dashboard/';

/** The reports bucket: report outputs, the dashboard, and the workgroup's scratch results. */
export const storageResources = {
  ReportsBucket: secureBucket({
    lifecycleRules: [
      {
        Id: 'expire-athena-results',
        Status: 'Enabled',
        Prefix: ATHENA_RESULTS_PREFIX,
        ExpirationInDays: '${param:athenaResultsRetentionDays}',
      },
    ],
  }),
  ReportsBucketPolicy: tlsOnlyBucketPolicy('ReportsBucket'),
};
