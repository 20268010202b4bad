import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { QUARANTINE_VIEW } from '@pipeline/shared';
import { parseReportCatalog, type ReportDefinition } from './domain/report-definition';

/**
 * Where the SQL files are: `REPORTS_SQL_DIR` if set, else `sql/` next to the sources (tests, the
 * local cloud), the deployment package (`/var/task/sql` in Lambda, see `package.patterns`) or the
 * working directory (`sls invoke local` runs in the service folder).
 */
export const reportsDirectory = (env: NodeJS.ProcessEnv = process.env): string => {
  const candidates = [
    env.REPORTS_SQL_DIR,
    path.resolve(__dirname, '..', 'sql'),
    env.LAMBDA_TASK_ROOT && path.join(env.LAMBDA_TASK_ROOT, 'sql'),
    path.resolve('sql'),
  ].filter((candidate): candidate is string => Boolean(candidate));
  const found = candidates.find(
    (candidate) => existsSync(candidate) && readdirSync(candidate).some((file) => file.endsWith('.sql')),
  );
  if (!found) throw new Error(`No report SQL found in ${candidates.join(', ')}`);
  return found;
};

/** Loads and checks every `*.sql` report, once per container. */
export const loadReports = (directory: string = reportsDirectory()): ReportDefinition[] =>
  parseReportCatalog(
    readdirSync(directory)
      .filter((file) => file.endsWith('.sql'))
      .map((file) => ({ file, text: readFileSync(path.join(directory, file), 'utf8') })),
  );

/** Whether a report reads the quarantine view (`QUARANTINE_VIEW`). */
export const readsQuarantine = ({ sql }: ReportDefinition): boolean =>
  new RegExp(`\\b${QUARANTINE_VIEW}\\b`, 'i').test(sql);

/** The reports a stage runs: those over the quarantine only where the view exists. */
export const stageReports = (reports: ReportDefinition[], { quarantineView }: { quarantineView: boolean }) =>
  reports.filter((report) => quarantineView || !readsQuarantine(report));
