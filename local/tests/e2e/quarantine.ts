import type { RunResult } from '../../src/cloud/run';
import { localLayout } from '../../src/cloud/layout';
import { DuckDbQueryEngine } from '../../src/engines';

/** `SELECT reason, count(*) FROM quarantine GROUP BY reason` over a local cloud folder, as Athena would. */
export const quarantineByReason = async (root: string): Promise<Record<string, number>> => {
  const { lakeDir, quarantineDir } = localLayout(root);
  const engine = await DuckDbQueryEngine.create({ lakeDir, kafkaQuarantineDir: quarantineDir });
  try {
    const { rows } = await engine.run({
      name: 'quarantine-by-reason',
      sql: 'SELECT reason, count(*) AS n FROM quarantine GROUP BY reason',
      parameters: [],
    });
    return Object.fromEntries(rows.map(({ reason, n }) => [String(reason), Number(n)]));
  } finally {
    await engine.close();
  }
};

/**
 * The run's books' failures by reason, every source together: a record that moved between sources
 * (a Kafka record the transform refused) is added to one and taken from the other, so the sum holds
 * each rejected record once.
 */
export const booksFailedByReason = (run: RunResult): Record<string, number> => {
  const books: Record<string, number> = {};
  for (const { failed } of Object.values(run.summary.sources))
    for (const [reason, count] of Object.entries(failed)) books[reason] = (books[reason] ?? 0) + count;
  return Object.fromEntries(Object.entries(books).filter(([, count]) => count !== 0));
};
