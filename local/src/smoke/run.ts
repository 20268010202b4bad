import { loadReports } from '@pipeline/report-runner';
import { booksTable, formatCount, labelledLines, problemsText, reasonRows } from '@pipeline/shared/books';
import { putAll } from '../ops/redrive';
import { smokeBooks, type KafkaShareTally, type SmokeAccounting } from './books';
import { hoursSpanning, tallyErrors, tallyQuarantine, tallyReports } from './observe';
import { planKafkaShare, planSmoke } from './plan';
import type { SmokeTarget } from './ports';

export interface SmokeOptions {
  runId: string;
  events: number;
  /** How long the books may take to balance after the readings were sent. */
  timeoutMs: number;
  /** Time between two looks at the books. */
  pollMs: number;
}

export interface SmokeOutput {
  /** A line of the report (stdout). */
  line(text: string): void;
  /** The progress line while waiting (rewritten in place on a TTY). */
  progress(text: string): void;
  /** Problems (stderr). */
  error(text: string): void;
}

export const smokeBooksText = (accounting: SmokeAccounting, notes: readonly string[]): string[] => {
  const { books } = accounting;
  const realtime = books.realtime;
  return [
    ...booksTable(books.sources, 0).map((line) => `  ${line}`),
    '',
    ...labelledLines(
      [
        ...reasonRows(books.sources),
        [
          'duplicates removed',
          `${formatCount(books.duplicatesInLake)} extra copies in the lake (reports count each event_id once)`,
        ],
        [
          'report runs',
          books.reports.missing.length === 0
            ? `every report ran for the run's hour partitions (${books.lakePartitions}); device_hourly_stats counts ${formatCount(books.reports.readings)} of ${formatCount(books.readings)} readings`
            : `${books.reports.missing.length} report runs missing (${books.reports.missing.join(', ')})`,
        ],
        [
          'real-time windows',
          realtime
            ? `${formatCount(realtime.windowEvents)} of ${formatCount(books.readings)} readings counted`
            : 'not checked',
        ],
        ['alerts', realtime ? `${formatCount(realtime.alerts)} (table realtime_alert)` : 'not checked'],
      ].map(([label, text]) => [`${label}:`, text ?? '']),
    ).map((line) => `  ${line}`),
    ...notes.map((note) => `  ${note}`),
  ];
};

const progressText = (
  accounting: SmokeAccounting,
  expected: { delivered: number; failed: number },
  waitedMs: number,
  timeoutMs: number,
) => {
  const { books } = accounting;
  const { devices, kafka } = books.sources;
  const failed = [devices.failed, kafka.failed]
    .flatMap((counts) => Object.values(counts))
    .reduce((sum, value) => sum + value, 0);
  return [
    'waiting',
    `lake ${formatCount(devices.delivered + kafka.delivered)}/${formatCount(expected.delivered)}`,
    `errors ${formatCount(failed)}/${formatCount(expected.failed)}`,
    `reports ${formatCount(books.reports.readings)}/${formatCount(books.readings)}`,
    `windows ${books.realtime ? `${formatCount(books.realtime.windowEvents)}/${formatCount(books.readings)}` : '-'}`,
    `${Math.round(waitedMs / 1000)}s/${Math.round(timeoutMs / 1000)}s`,
  ].join('  ');
};

/**
 * A smoke run: sends the planned messages into the hub (PutRecords, the device id as partition
 * key, refused entries retried with backoff), then reads the books back from the lake, the error
 * prefix, the reports and the real-time layer until they balance or the time-out passes.
 * Returns the exit code: 0 when the books balance, 1 when they do not.
 */
export const runSmoke = async (
  target: SmokeTarget,
  options: SmokeOptions,
  out: SmokeOutput,
): Promise<number> => {
  const sentAt = target.now();
  const plan = planSmoke(options.runId, options.events, sentAt);
  out.line(
    `Smoke run ${plan.runId} against ${target.name}: ${formatCount(plan.messages.length)} messages from devices ${plan.prefix}*`,
  );
  await putAll(
    target.hub,
    plan.messages.map(({ deviceId, data }) => ({ Data: data, PartitionKey: deviceId })),
  );
  const kafkaTarget = target.kafka;
  const kafkaPlan = kafkaTarget ? planKafkaShare(options.runId, sentAt) : undefined;
  let kafkaSendProblems: string[] = [];
  if (kafkaTarget && kafkaPlan) {
    out.line(`Kafka share: ${formatCount(kafkaPlan.records.length)} records ${kafkaTarget.route}`);
    kafkaSendProblems = (await kafkaTarget.send(plan.runId, kafkaPlan.records, sentAt)).problems;
  }
  await target.settle();
  const reportNames = loadReports().map(({ name }) => name);
  const expected = {
    delivered: plan.expected.delivered + (kafkaPlan?.expected.delivered ?? 0),
    failed: [plan.expected.failed, kafkaPlan?.expected.failed ?? {}]
      .flatMap((counts) => Object.values(counts))
      .reduce((sum, value) => sum + value, 0),
  };
  const look = async (): Promise<SmokeAccounting> => {
    const lake = await target.lake.count(plan.prefix);
    const errors = await tallyErrors(
      target.ingest,
      plan.prefix,
      hoursSpanning(sentAt, target.now()),
      target.now(),
    );
    const reports = await tallyReports(target.reports, plan.prefix, reportNames, lake.partitions);
    const realtime = target.realtime ? await target.realtime.count(plan.prefix) : undefined;
    const kafka: KafkaShareTally | undefined =
      kafkaTarget && kafkaPlan
        ? {
            plan: kafkaPlan,
            quarantine: await tallyQuarantine(
              kafkaTarget.quarantine,
              kafkaPlan.prefix,
              hoursSpanning(sentAt, target.now()),
            ),
            sendProblems: kafkaSendProblems,
          }
        : undefined;
    return smokeBooks(plan, lake, errors, reports, realtime, kafka);
  };
  const started = target.now();
  let accounting = await look();
  while (accounting.problems.length > 0 && target.now() - started < options.timeoutMs) {
    out.progress(progressText(accounting, expected, target.now() - started, options.timeoutMs));
    await target.wait(options.pollMs);
    accounting = await look();
  }
  out.line('');
  for (const line of smokeBooksText(accounting, target.notes)) out.line(line);
  if (accounting.problems.length > 0) {
    out.error(problemsText(accounting.problems));
    return 1;
  }
  return 0;
};
