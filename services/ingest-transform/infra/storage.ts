import { LAKE_PREFIX } from '@pipeline/shared';
import { secureBucket, tlsOnlyBucketPolicy } from '@pipeline/shared/serverless';

/** The ingest bucket: the lake (raw/), the quarantine (errors/) and the device registry. */
export const storage = {
  IngestBucket: secureBucket({
    eventBridge: true,
    lifecycleRules: [
      {
        Id: 'expire-errors',
        Status: 'Enabled',
        Prefix: LAKE_PREFIX.errors,
        ExpirationInDays: '${param:quarantineRetentionDays}',
      },
      {
        Id: 'raw-to-intelligent-tiering',
        Status: 'Enabled',
        Prefix: LAKE_PREFIX.raw,
        Transitions: [
          { StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: '${param:rawTransitionDays}' },
        ],
      },
    ],
  }),
  IngestBucketPolicy: tlsOnlyBucketPolicy('IngestBucket'),
};
