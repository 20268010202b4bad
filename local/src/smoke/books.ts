import {
  balanceProblems,
  expectationProblems,
  totalOf,
  type SourceAccount,
  type SourceName,
} from '@pipeline/shared/books';
import type { ErrorTally, ReportTally } from './observe';
import type { KafkaSharePlan, SmokePlan } from './plan';
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

/** What the Kafka share sent and what msk-consumer's quarantine holds of it. */
export interface KafkaShareTally {
  plan: KafkaSharePlan;
  quarantine: ErrorTally;
  /** A failed invocation or records the consumer handed back: the share did not get through. */
  sendProblems: string[];
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
  kafka?: KafkaShareTally,
): SmokeAccounting => {
  const isKafka = (device: string) => kafka !== undefined && device.startsWith(kafka.plan.prefix);
  const rowsOf = (fromKafka: boolean) =>
    Object.fromEntries(Object.entries(lake.rowsByDevice).filter(([device]) => isKafka(device) === fromKafka));
  const delivered = totalOf(rowsOf(false));
  const heartbeatsDropped = plan.heartbeatDevices.filter(
    (device) => lake.rowsByDevice[device] === undefined && !errors.devices.has(device),
  ).length;
  const devices: SourceAccount = {
    produced: plan.messages.length,
    delivered,
    dropped: heartbeatsDropped > 0 ? { heartbeat: heartbeatsDropped } : {},
    failed: errors.failed,
  };
  // msk-consumer drops a heartbeat without a trace per run, as the transform does: a heartbeat is
  // dropped when its device shows up neither in the lake nor in the quarantine.
  const kafkaHeartbeatsDropped = (kafka?.plan.heartbeatDevices ?? []).filter(
    (device) => lake.rowsByDevice[device] === undefined && !kafka?.quarantine.devices.has(device),
  ).length;
  const kafkaAccount: SourceAccount = kafka
    ? {
        produced: kafka.plan.records.length,
        delivered: totalOf(rowsOf(true)),
        dropped: kafkaHeartbeatsDropped > 0 ? { heartbeat: kafkaHeartbeatsDropped } : {},
        failed: kafka.quarantine.failed,
      }
    : EMPTY;
  const sources = { devices, kafka: kafkaAccount };
  const readings = plan.readings + (kafka?.plan.readings ?? 0);
  // Up to the lake, the hop is Firehose with the transform: its output is the lake and the error
  // prefix; the Kafka share's hop is msk-consumer, whose output is the hub and its quarantine.
  const problems = [
    ...balanceProblems({ devices, kafka: EMPTY }),
    ...expectationProblems('devices', devices, plan.expected),
  ].map((problem) => `Firehose -> lake: ${problem}`);
  if (kafka)
    problems.push(
      ...kafka.sendProblems.map((problem) => `kafka share: ${problem}`),
      ...[
        ...balanceProblems({ devices: EMPTY, kafka: kafkaAccount }),
        ...expectationProblems('kafka', kafkaAccount, kafka.plan.expected),
      ].map((problem) => `msk-consumer -> lake: ${problem}`),
    );
  if (
    lake.readings !== readings &&
    delivered === plan.expected.delivered &&
    kafkaAccount.delivered === (kafka?.plan.expected.delivered ?? 0)
  )
    problems.push(`Firehose -> lake: ${readings} distinct readings sent, the lake holds ${lake.readings}`);
  for (const missing of reports.missing) problems.push(`reports: no ${missing} run manifest`);
  if (reports.missing.length === 0 && reports.readings !== readings)
    problems.push(
      `reports: device_hourly_stats counts ${reports.readings} of the run's readings, expected ${readings}`,
    );
  if (realtime && realtime.windowEvents !== readings)
    problems.push(
      `real-time layer: the windows count ${realtime.windowEvents} of the run's readings, expected ${readings}`,
    );
  return {
    books: {
      sources,
      duplicatesInLake: delivered + kafkaAccount.delivered - lake.readings,
      readings,
      lakePartitions: lake.partitions.length,
      reports,
      realtime,
    },
    problems,
  };
};
