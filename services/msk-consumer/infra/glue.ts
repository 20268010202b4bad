import { quarantineTable } from '@pipeline/shared';
import { quarantineGlueTable, quarantineGlueView } from '@pipeline/shared/serverless';

// The quarantine by SQL (shared/src/contracts/quarantine.ts): this bucket's table, and the view
// over it and ingest-transform's tables (this stack deploys after ingest-transform).
export const glue = {
  QuarantineKafkaTable: quarantineGlueTable(quarantineTable('kafka'), {
    database: '${param:glueDatabaseName}',
    bucketLogicalId: 'QuarantineBucket',
  }),
  QuarantineView: quarantineGlueView({ database: '${param:glueDatabaseName}' }),
};
