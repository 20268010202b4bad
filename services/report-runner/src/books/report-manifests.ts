import type { ReportManifests } from '@pipeline/shared/books';
import { reportOutputKeys } from '../domain/layout';

/** Reports missing for hour partitions: the run manifest, written last, is absent. */
export const reportManifests = (
  reports: { exists(key: string): Promise<boolean> },
  reportNames: readonly string[],
): ReportManifests => ({
  async missing(partitions) {
    const missing: string[] = [];
    for (const partition of partitions)
      for (const name of reportNames)
        if (!(await reports.exists(reportOutputKeys(name, partition).runManifest)))
          missing.push(`${name} dt=${partition.dt}/hour=${partition.hour}`);
    return missing;
  },
});
