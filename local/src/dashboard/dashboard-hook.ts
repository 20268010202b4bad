import { generateDashboard, type RejectionCount } from '@pipeline/dashboard';
import type { SourceName } from '../cloud/accounting';
import type { AfterRunContext, AfterRunHook } from '../cloud/run';
import { DEFAULT_DASHBOARD_PORT, localDashboardFile } from './location';

const STAGE_OF: Record<SourceName, string> = { devices: 'devices → hub', kafka: 'Kafka → msk-consumer' };

/** The run's dropped and failed records by reason, as the dashboard lists them. */
export const rejectionsOfRun = (summary: AfterRunContext['summary']): RejectionCount[] =>
  (
    Object.entries(summary.sources) as [SourceName, AfterRunContext['summary']['sources'][SourceName]][]
  ).flatMap(([source, account]) =>
    (['dropped', 'failed'] as const).flatMap((outcome) =>
      Object.entries(account[outcome]).map(([reason, count]) => ({
        stage: STAGE_OF[source] ?? source,
        outcome,
        reason,
        count,
      })),
    ),
  );

/**
 * The local cloud's after-run step: renders the dashboard from the open warehouse into the local
 * reports bucket (`<root>/local-reports/dashboard/index.html`) and says where to open it.
 */
export const dashboardAfterRun: AfterRunHook = async ({ layout, warehouse, summary, now }) => {
  const { outFile, bytes, model } = await generateDashboard({
    warehouse,
    outFile: localDashboardFile(layout.reportsDir),
    now: new Date(now),
    environment: 'local',
    rejections: { scope: 'the last local run', counts: rejectionsOfRun(summary) },
  });
  return {
    lines: [
      `Dashboard: ${outFile} (${Math.round(bytes / 1024)} KB, ${model.freshness.status})`,
      `  open it in a browser, or serve it: npm run dashboard (http://127.0.0.1:${DEFAULT_DASHBOARD_PORT}/)`,
      ...model.problems.map((problem) => `  panel not read: ${problem}`),
    ],
  };
};
