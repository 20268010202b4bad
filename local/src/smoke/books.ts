import {
  balanceProblems,
  expectationProblems,
  totalOf,
  type SourceAccount,
  type SourceName,
} from '@pipeline/shared/books';
import type { ErrorTally, ReportTally } from './observe';
import type { SmokePlan } from './plan';
import type { LakeTally, RealtimeTally } from './ports';

export interface SmokeBooks {
  sources: Record<SourceName, SourceAccount>;
  /** Extra copies of a reading in the lake (reports and windows count each reading once). */
  duplicatesInLake: number;
  /** Distinct readings the reports and windows must count. */
  readings: number;
  lakePartitions: number;
  reports: ReportTally;
  /** Undefined when the real-time layer was not checked. */
  realtime: RealtimeTally | undefined;
}

export interface SmokeAccounting {
  books: SmokeBooks;
  /** Empty when the run balances; otherwise each problem names the hop that lost or added records. */
  problems: string[];
}

const EMPTY: SourceAccount = { produced: 0, delivered: 0, dropped: {}, failed: {} };

/**
 * The books of a smoke run, balanced by the same rules as `npm start`'s: produced = delivered +
 * dropped + failed, each column as the plan expects, then the hops after the lake (reports, the
 * real-time windows) must count every distinct reading once.
 *
 * A dropped heartbeat leaves no trace in AWS (the transform's `RecordsDropped` metric is not per
 * run), so a heartbeat counts as dropped when its device shows up neither in the lake nor in the
 * error prefix; a heartbeat found in either is counted there, and the books say so.
 */
export const smokeBooks = (
  plan: SmokePlan,
  lake: LakeTally,
  errors: ErrorTally,
  reports: ReportTally,
  realtime: RealtimeTally | undefined,
): SmokeAccounting => {
  const delivered = totalOf(lake.rowsByDevice);
  const heartbeatsDropped = plan.heartbeatDevices.filter(
    (device) => lake.rowsByDevice[device] === undefined && !errors.devices.has(device),
  ).length;
  const devices: SourceAccount = {
    produced: plan.messages.length,
    delivered,
    dropped: heartbeatsDropped > 0 ? { heartbeat: heartbeatsDropped } : {},
    failed: errors.failed,
  };
  const sources = { devices, kafka: EMPTY };
  // Up to the lake, the hop is Firehose with the transform: its output is the lake and the error prefix.
  const problems = [
    ...balanceProblems(sources),
    ...expectationProblems('devices', devices, plan.expected),
  ].map((problem) => `Firehose -> lake: ${problem}`);
  if (lake.readings !== plan.readings && delivered === plan.expected.delivered)
    problems.push(
      `Firehose -> lake: ${plan.readings} distinct readings sent, the lake holds ${lake.readings}`,
    );
  for (const missing of reports.missing) problems.push(`reports: no ${missing} run manifest`);
  if (reports.missing.length === 0 && reports.readings !== plan.readings)
    problems.push(
      `reports: device_hourly_stats counts ${reports.readings} of the run's readings, expected ${plan.readings}`,
    );
  if (realtime && realtime.windowEvents !== plan.readings)
    problems.push(
      `real-time layer: the windows count ${realtime.windowEvents} of the run's readings, expected ${plan.readings}`,
    );
  return {
    books: {
      sources,
      duplicatesInLake: delivered - lake.readings,
      readings: plan.readings,
      lakePartitions: lake.partitions.length,
      reports,
      realtime,
    },
    problems,
  };
};
