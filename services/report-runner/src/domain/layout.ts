import type { PartitionKeys } from '@pipeline/shared';

/** Top-level prefix of report outputs in the reports bucket. */
export const REPORTS_PREFIX = 'reports/';

/**
 * Where one report's output for one partition lives. The key depends only on the report and the
 * partition, so a re-run overwrites its previous output instead of adding to it. Names starting
 * with `_` are skipped by Athena and Hive, so a table over `reports/<report>/` reads only data.
 */
export const reportOutputKeys = (report: string, { dt, hour }: PartitionKeys) => {
  const prefix = `${REPORTS_PREFIX}${report}/dt=${dt}/hour=${hour}/`;
  return {
    prefix,
    /** Newline-delimited JSON, one object per row, keys in column order. */
    data: `${prefix}part-00000.json`,
    /** Redshift COPY manifest listing the data object. */
    copyManifest: `${prefix}_copy.manifest`,
    /** The run manifest, written last: its presence means the run completed. */
    runManifest: `${prefix}_manifest.json`,
  };
};
