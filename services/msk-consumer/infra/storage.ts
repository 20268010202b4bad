import { KAFKA_QUARANTINE_PREFIX } from '@pipeline/shared';
import { secureBucket, tlsOnlyBucketPolicy } from '@pipeline/shared/serverless';

export const storage = {
  // Poison records with their original values (see src/adapters/s3-quarantine.ts for why S3).
  QuarantineBucket: secureBucket({
    lifecycleRules: [
      {
        Id: 'expire-quarantine',
        Status: 'Enabled',
        Prefix: KAFKA_QUARANTINE_PREFIX,
        ExpirationInDays: '${param:quarantineRetentionDays}',
      },
    ],
  }),
  QuarantineBucketPolicy: tlsOnlyBucketPolicy('QuarantineBucket'),
};
