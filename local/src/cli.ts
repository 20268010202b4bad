import { DEFAULT_FAULT_RATE } from './cloud/faults';
import { runLocalCloud, StartRewindError, type AfterRunHook, type Progress } from './cloud/run';
import { FolderLockedError } from './cloud/state';
import { HELP, parseCommandLine, UsageError } from './cli/options';
import { problemsText, progressLine, summaryText } from './cli/render';
import { dashboardAfterRun } from './dashboard/dashboard-hook';

/**
 * Steps run after the books are closed, with the warehouse still open (see `AfterRunContext`):
 * the dashboard is rendered from the warehouse into the local reports bucket and says where it is.
 */
export const AFTER_RUN_HOOKS: AfterRunHook[] = [dashboardAfterRun];

// Non-TTY output (CI logs, pipes) gets a plain line this often instead of a live one.
const PLAIN_PROGRESS_EVERY_MS = 2000;

const main = async (): Promise<number> => {
  let options;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${HELP}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  const tty = process.stdout.isTTY === true;
  let lastPlain = 0;
  let lastPhase = '';
  const onProgress = (progress: Progress) => {
    if (options.quiet) return;
    if (tty) {
      const line = progressLine(progress).slice(0, (process.stdout.columns ?? 160) - 1);
      process.stdout.write(`\r\x1b[2K${line}`);
      return;
    }
    const now = Date.now();
    if (now - lastPlain >= PLAIN_PROGRESS_EVERY_MS || progress.phase !== lastPhase) {
      lastPlain = now;
      lastPhase = progress.phase;
      process.stdout.write(`${progressLine(progress)}\n`);
    }
  };

  // First Ctrl-C: stop the devices, then flush and account as usual. Second: leave at once
  // (every object write is atomic, so the folders stay consistent).
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
    process.stderr.write(
      `${tty ? '\n' : ''}Stopping: flushing buffers, closing windows, finishing report runs (Ctrl-C again to quit now)\n`,
    );
  });
  process.on('SIGTERM', () => controller.abort());

  const { run } = options;
  if (!options.quiet) {
    process.stdout.write(
      `Local cloud in ${run.root}: ${run.devices} devices, ${run.keepRunning ? 'real time until Ctrl-C' : 'simulated time'}, ` +
        `${run.format} lake, seed "${run.seed}"` +
        (run.faults
          ? `, injecting ${run.faults.join(', ')} (rate ${run.faultRate ?? DEFAULT_FAULT_RATE})`
          : '') +
        '\n',
    );
  }
  const result = await runLocalCloud(run, {
    onProgress,
    signal: controller.signal,
    afterRun: AFTER_RUN_HOOKS,
  });
  if (tty && !options.quiet) process.stdout.write('\n');
  process.stdout.write(`${summaryText(result)}\n`);
  if (result.problems.length > 0) {
    process.stderr.write(`${problemsText(result.problems)}\n`);
    return 1;
  }
  return 0;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Refusals the user can act on get their message; anything else its stack.
    const known = error instanceof FolderLockedError || error instanceof StartRewindError;
    process.stderr.write(
      `${error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error)}\n`,
    );
    process.exitCode = known ? 2 : 1;
  },
);
