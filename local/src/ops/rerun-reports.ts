import type { RerunMessage } from '@pipeline/report-runner';
import { hoursBetween } from './hours';
import type { OpsRunQueue } from './ports';

/**
 * Queues one `rerun-partition` message per hour on report-runner's own queue (the message its daily
 * re-run sends itself). Going through the queue rather than invoking the function keeps the
 * deployed retries, the DLQ and the runner's concurrency; report keys are per partition and the
 * warehouse load replaces the partition, so a re-run changes nothing unless the lake did.
 */
export const rerunReports = async (
  queue: OpsRunQueue,
  { from, to, reason = 'ops rerun-reports' }: { from: string; to: string; reason?: string },
): Promise<{ hours: number }> => {
  const hours = hoursBetween(from, to);
  const bodies = hours.map(({ dt, hour }) =>
    JSON.stringify({ type: 'rerun-partition', dt, hour, reason } satisfies RerunMessage),
  );
  await queue.send(bodies);
  return { hours: hours.length };
};
