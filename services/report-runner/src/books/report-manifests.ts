import type { ReportManifests } from '@pipeline/shared/books';
import { reportOutputKeys } from '../domain/layout';
import type { ObjectReader } from '../domain/ports';

/** Reports missing for hour partitions: the run manifest, written last, is absent. */
export const reportManifests = (
  reports: Pick<ObjectReader, 'get'>,
  reportNames: readonly string[],
): ReportManifests => ({
  async missing(partitions) {
    const missing: string[] = [];
    for (const partition of partitions)
      for (const name of reportNames)
        if ((await reports.get(reportOutputKeys(name, partition).runManifest)) === undefined)
          missing.push(`${name} dt=${partition.dt}/hour=${partition.hour}`);
    return missing;
  },
});
