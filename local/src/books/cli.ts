import { parseArgs } from 'node:util';
import {
  BOOKS_SETTLE_SECONDS,
  collectStageCounts,
  problemsText,
  reconcileStage,
  stageBooksText,
  unsettledProblem,
  type BooksRange,
  type BooksTolerance,
  type StageResources,
  type StageSources,
} from '@pipeline/shared/books';
import { localRoot } from '../cloud/layout';
import { exitWith } from '../cli/exit-with';
import { DuckDbQueryEngine } from '../engines/duckdb-query-engine';
import { drain, withLocalCloud } from '../ops/local';
import { putAll } from '../ops/redrive';
import { newRunId, planSmoke } from '../smoke/plan';
import { localStageSources, LOCAL_STAGE_RESOURCES } from './local';

export const BOOKS_HELP = `Usage: npm run books -- --stage <stage> [options]

Reconciles a time range of a deployed stage hop by hop from what AWS keeps anyway: the hub's
IncomingRecords, msk-consumer's and the transform's metrics by reason, Firehose's records read and
delivered, the lake (Athena COUNT by ingest_time), the error prefix, the report run manifests and
the real-time layer's metrics. Prints the books table npm start prints, names every hop that loses
or duplicates records, and exits 1 when the books do not balance.

  --stage <stage>        the deployed stage (stacks <service>-<stage>)
  --region <region>      default: the SDK's (AWS_REGION, profile)
  --from <time>          range start, UTC, on a whole minute (2026-11-25T06 or 2026-11-25T06:30)
  --to <time>            range end (excluded); default: the last whole hour that ended at least
                         ${BOOKS_SETTLE_SECONDS} s ago, and --from one hour before --to
  --edge-lag <s>         seconds a record may take from one hop's count to the next (default 120:
                         the processor buffer interval plus a minute); each hop may differ by the
                         share of the range the two edges cover
  --absolute <n>         records any hop may differ by on top (default 0)
  --target aws|local     default aws; local sends a smoke run's messages through a local cloud
                         folder (npm start first) and reconciles that session
  --root <dir>           the local cloud folder (default: LOCAL_ROOT or .local/)
  --events <n>           messages the local target sends (default 100)`;

const options = {
  stage: { type: 'string' },
  region: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'edge-lag': { type: 'string', default: '120' },
  absolute: { type: 'string', default: '0' },
  target: { type: 'string', default: 'aws' },
  root: { type: 'string' },
  events: { type: 'string', default: '100' },
  help: { type: 'boolean', default: false },
} as const;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** GetMetricData keeps one-minute datapoints 15 days; older ranges would sum coarser periods. */
const METRIC_RETENTION_MS = 15 * 24 * HOUR_MS;

export interface BooksOutput {
  line(text: string): void;
  error(text: string): void;
}

const consoleOutput: BooksOutput = {
  line: (text) => void process.stdout.write(`${text}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
};

const wholeNumber = (text: string, name: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, got ${text}`);
  return value;
};

/** `2026-11-25T06` or `2026-11-25T06:30` (UTC) as epoch ms on a whole minute. */
export const parseTime = (text: string, name: string): number => {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})(?::(\d{2}))?Z?$/.exec(text);
  const ms = match ? Date.parse(`${match[1]}T${match[2]}:${match[3] ?? '00'}:00Z`) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new Error(`--${name} must be a UTC time like 2026-11-25T06 or 2026-11-25T06:30, got ${text}`);
  return ms;
};

/** The range to reconcile: the options', or the last settled whole hour. */
export const rangeOf = (from: string | undefined, to: string | undefined, nowMs: number): BooksRange => {
  const toMs =
    to === undefined
      ? Math.floor((nowMs - BOOKS_SETTLE_SECONDS * 1000) / HOUR_MS) * HOUR_MS
      : parseTime(to, 'to');
  const fromMs = from === undefined ? toMs - HOUR_MS : parseTime(from, 'from');
  if (fromMs >= toMs) throw new Error('--from must be before --to');
  if (fromMs % MINUTE_MS !== 0 || toMs % MINUTE_MS !== 0)
    throw new Error('--from and --to fall on whole minutes');
  if (fromMs < nowMs - METRIC_RETENTION_MS)
    throw new Error('--from is more than 15 days ago: CloudWatch keeps one-minute datapoints 15 days');
  return { fromMs, toMs };
};

/** Reads, reconciles and prints the books of a range; returns the exit code. */
export const printBooks = async (
  target: { name: string; sources: StageSources; resources: StageResources },
  range: BooksRange,
  tolerance: BooksTolerance,
  out: BooksOutput,
): Promise<number> => {
  const books = reconcileStage(
    await collectStageCounts(target.sources, target.resources, range),
    range,
    tolerance,
  );
  for (const line of stageBooksText(books, target.name)) out.line(line);
  if (books.problems.length === 0) return 0;
  out.error(problemsText(books.problems));
  return 1;
};

/**
 * The local target: a local cloud session (`withLocalCloud`) sends a smoke run's messages into the
 * hub, drains, then reconciles the session's simulated time with the local sources, whose metrics
 * cover exactly that session. Every hop must balance exactly: the local clocks agree.
 */
export const runLocalBooks = (
  root: string,
  events: number,
  out: BooksOutput,
  /** Runs after the session drained, before the books are read (a test breaks a hop here). */
  afterDrain: () => Promise<void> = async () => {},
): Promise<number> =>
  withLocalCloud(root, async (ops) => {
    const { cloud } = ops;
    const fromMs = Math.floor(cloud.clock.now() / MINUTE_MS) * MINUTE_MS;
    const plan = planSmoke(newRunId(cloud.clock.now()), events, cloud.clock.now());
    await putAll(
      ops.hub,
      plan.messages.map(({ deviceId, data }) => ({ Data: data, PartitionKey: deviceId })),
    );
    await drain(cloud);
    await afterDrain();
    const toMs = (Math.floor(cloud.clock.now() / MINUTE_MS) + 1) * MINUTE_MS;
    const engine = await DuckDbQueryEngine.create({ lakeDir: cloud.settings.layout.lakeDir });
    try {
      return await printBooks(
        {
          name: `the local cloud in ${cloud.settings.layout.root} (${plan.messages.length} messages sent)`,
          sources: localStageSources(cloud, engine),
          resources: LOCAL_STAGE_RESOURCES,
        },
        { fromMs, toMs },
        { edgeLagSeconds: 0, absolute: 0 },
        out,
      );
    } finally {
      await engine.close();
    }
  });

/** `npm run books -- ...`; returns the exit code. */
export const main = async (
  argv: string[],
  out: BooksOutput = consoleOutput,
  nowMs: number = Date.now(),
): Promise<number> => {
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values.help) {
    out.line(BOOKS_HELP);
    return 0;
  }
  if (values.target === 'local')
    return runLocalBooks(values.root ?? localRoot(), wholeNumber(values.events, 'events'), out);
  if (values.target !== 'aws') throw new Error('--target is aws or local');
  if (!values.stage) throw new Error('--stage is required (or --target local)');
  const range = rangeOf(values.from, values.to, nowMs);
  const unsettled = unsettledProblem(range, nowMs);
  if (unsettled) throw new Error(unsettled);
  const tolerance = {
    edgeLagSeconds: wholeNumber(values['edge-lag'], 'edge-lag'),
    absolute: wholeNumber(values.absolute, 'absolute'),
  };
  const { awsBooksTarget } = await import('./aws');
  return printBooks(await awsBooksTarget(values.stage, values.region), range, tolerance, out);
};

if (require.main === module) exitWith(() => main(process.argv.slice(2)));
