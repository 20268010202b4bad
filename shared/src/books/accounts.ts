/**
 * The books of a pipeline run, independent of where the counts come from: `npm start` reads them
 * from the local cloud's folders and metrics, `npm run smoke` from a deployed stage (Athena, S3).
 * Both balance them here, so a local run and a live stage are held to the same rules.
 */

/** Where a record came from, as the books report it. */
export type SourceName = 'devices' | 'kafka';

export const SOURCE_NAMES: readonly SourceName[] = ['devices', 'kafka'];

/** What happened to the messages of one source: every one must end in exactly one column. */
export interface SourceAccount {
  produced: number;
  /** Rows in the lake. */
  delivered: number;
  /** Deliberately not stored: heartbeats, Kafka tombstones and empty values. */
  dropped: Record<string, number>;
  /** Rejected, by reason: in the lake's error prefix or msk-consumer's quarantine. */
  failed: Record<string, number>;
}

/** What the producer meant to happen to a source's messages, by outcome (and reason). */
export interface ExpectedOutcomes {
  delivered: number;
  dropped: Record<string, number>;
  failed: Record<string, number>;
}

/** Adds `value` under `key`, leaving zero counts out so two count maps compare equal. */
export const addCount = (counts: Record<string, number>, key: string, value: number): void => {
  if (value !== 0) counts[key] = (counts[key] ?? 0) + value;
};

export const totalOf = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((sum, value) => sum + value, 0);

const sameCounts = (left: Record<string, number>, right: Record<string, number>) => {
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => (left[key] ?? 0) === (right[key] ?? 0));
};

const describeCounts = (counts: Record<string, number>) =>
  Object.keys(counts).length === 0
    ? 'none'
    : Object.entries(counts)
        .sort()
        .map(([key, value]) => `${key} ${value}`)
        .join(', ');

/** Where a source's messages ended: delivered + dropped + failed. */
export const endedOf = (source: SourceAccount): number =>
  source.delivered + totalOf(source.dropped) + totalOf(source.failed);

export const isBalanced = (source: SourceAccount): boolean => source.produced === endedOf(source);

/** produced = delivered + dropped + failed, per source; a problem for each source that does not add up. */
export const balanceProblems = (sources: Record<SourceName, SourceAccount>): string[] =>
  (Object.entries(sources) as [SourceName, SourceAccount][])
    .filter(([, source]) => !isBalanced(source))
    .map(
      ([name, source]) =>
        `${name}: produced ${source.produced} but delivered ${source.delivered} + dropped ${totalOf(source.dropped)} + failed ${totalOf(source.failed)} = ${endedOf(source)}`,
    );

/**
 * The books of a source some of whose records went to the error prefix as whole batches Firehose
 * gave up on (`errorCode`, e.g. `Lambda.FunctionError`): each of those records is missing from
 * exactly one of the columns the producer expected, so no column may exceed its expectation and
 * the shortfall must be exactly the records in those batches.
 */
const explainBatchFailures = (
  name: SourceName,
  observed: SourceAccount,
  expected: ExpectedOutcomes,
  batchFailures: { errorCode: string; records: number },
): string[] => {
  const { [batchFailures.errorCode]: inErrorPrefix = 0, ...failed } = observed.failed;
  const problems: string[] = [];
  if (inErrorPrefix !== batchFailures.records)
    problems.push(
      `${name}: ${batchFailures.records} records in exhausted transform batches, the error prefix holds ${inErrorPrefix}`,
    );
  const over = [
    ...(observed.delivered > expected.delivered
      ? [`delivered ${observed.delivered} > ${expected.delivered}`]
      : []),
    ...Object.entries(observed.dropped)
      .filter(([reason, count]) => count > (expected.dropped[reason] ?? 0))
      .map(([reason, count]) => `dropped ${reason} ${count} > ${expected.dropped[reason] ?? 0}`),
    ...Object.entries(failed)
      .filter(([reason, count]) => count > (expected.failed[reason] ?? 0))
      .map(([reason, count]) => `failed ${reason} ${count} > ${expected.failed[reason] ?? 0}`),
  ];
  if (over.length > 0) problems.push(`${name}: more than the fleet expected: ${over.join(', ')}`);
  const shortfall =
    expected.delivered +
    totalOf(expected.dropped) +
    totalOf(expected.failed) -
    (observed.delivered + totalOf(observed.dropped) + totalOf(failed));
  if (shortfall !== batchFailures.records)
    problems.push(
      `${name}: ${shortfall} records short of what the fleet expected, ${batchFailures.records} explained by exhausted transform batches`,
    );
  return problems;
};

/**
 * Each column of a source against what its producer meant to happen: the lake holds exactly the
 * valid readings, every drop and rejection has the expected reason. `batchFailures` names records
 * that went to the error prefix as whole failed batches (an injected fault), which the producer
 * could not foresee.
 */
export const expectationProblems = (
  name: SourceName,
  observed: SourceAccount,
  expected: ExpectedOutcomes,
  batchFailures?: { errorCode: string; records: number },
): string[] => {
  if (batchFailures && batchFailures.records > 0)
    return explainBatchFailures(name, observed, expected, batchFailures);
  const problems: string[] = [];
  if (observed.delivered !== expected.delivered)
    problems.push(`${name}: expected ${expected.delivered} delivered, the lake holds ${observed.delivered}`);
  if (!sameCounts(observed.dropped, expected.dropped))
    problems.push(
      `${name}: expected dropped ${describeCounts(expected.dropped)}, got ${describeCounts(observed.dropped)}`,
    );
  if (!sameCounts(observed.failed, expected.failed))
    problems.push(
      `${name}: expected failed ${describeCounts(expected.failed)}, got ${describeCounts(observed.failed)}`,
    );
  return problems;
};
