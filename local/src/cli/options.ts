import { processorBufferSizeProblem } from '@pipeline/ingest-transform';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, FaultListError, parseFaultList } from '../cloud/faults';
import { localRoot } from '../cloud/layout';
import type { RunOptions } from '../cloud/run';

export class UsageError extends Error {
  override name = 'UsageError';
}

export const HELP = `Usage: npm start -- [options]

Runs the whole pipeline on this machine, offline: simulated devices and Kafka producers stream
telemetry into an in-process Kinesis hub, Firehose runs the real ingest-transform into a lake
folder (Parquet), S3 events queue report-runner (DuckDB for Athena, PGlite for the warehouse),
msk-consumer forwards Kafka into the hub and analytics-sink computes real-time windows. Time is
simulated: hours of event time take seconds. At the end every message is accounted for; the exit
code is 1 when the books do not balance.

Devices
  --devices <n>             simulated devices (default 40)
  --sites <n>               sites they are spread over (default: one per 8 devices, at least 2)
  --duration <span>         event time to simulate: 4h, 90m, 1h30m, 600s (default 4h)
  --events <n>              stop after this many messages instead (copies of duplicates included)
  --rate <n>                messages per second of event time, all devices together
                            (default: one per device per minute)
  --bad-share <0-1>         broken messages, every kind the pipeline rejects (default 0.02)
  --kafka-share <0-1>       share of devices publishing to the MSK topic instead of the hub (default 0.25)
  --duplicate-share <0-1>   readings sent twice (default 0.01)
  --late-share <0-1>        readings delivered 5-45 minutes late (default 0.01)
  --heartbeat-share <0-1>   heartbeats, which are dropped (default 0.01)
  --seed <text>             seed of every random choice: same seed and start, same messages (default "pipeline")
  --start <time>            simulated start, ISO-8601 (default: where the folder's last run ended,
                            else the span before the current hour)

Pipeline (defaults are each service's own serverless.ts parameters, stage local)
  --window <s>              tumbling window of the real-time aggregates, 1-900 (default 60)
  --processor-buffer <MB,s> Firehose buffer hints for the transform Lambda (default 0.2,60; a
                            larger size is refused, as at package time: it could divert valid
                            readings to keep the transform's response under 6 MB)
  --s3-buffer <MB,s>        Firehose S3 buffer hints (default 128,300, as deployed: every lake object
                            triggers a report run)
  --shards <n>              hub shards (default 2)
  --format <parquet|json>   lake format: Parquet, or JSON lines with GZIP (default parquet)

Run
  --out <dir>               the local cloud's folder (default .local at the repository root, or $LOCAL_ROOT);
                            running again continues in the same folder
  --keep-running            stream in real time until Ctrl-C, then flush and account
  --log-level <level>       the functions' Powertools log level (default ERROR, CRITICAL with --faults;
                            WARN shows rejections and alerts, INFO every invocation)
  --faults <list>           inject faults the pipeline must absorb: all, or a comma-separated list of
                            ${FAULT_KINDS.slice(0, 5).join(', ')},
                            ${FAULT_KINDS.slice(5, 9).join(', ')},
                            and transform-exhausted (not in all: batches go to the error prefix,
                            npm run redrive brings them back); the seed schedules them (docs/OPERATIONS.md)
  --fault-rate <0-1>        chance of a fault per opportunity: batch, write, delivery (default 0.1)
  --quiet                   no progress display
  -h, --help                this help

Ctrl-C stops the devices, flushes every buffer, finishes open windows and queued report runs, and
prints the summary (a second Ctrl-C quits at once; folders stay consistent either way).`;

export interface CliOptions {
  run: RunOptions;
  quiet: boolean;
  help: boolean;
}

const HOUR_MS = 3_600_000;

/** `4h`, `90m`, `1h30m`, `600s` or plain seconds, in milliseconds. */
export const parseDuration = (text: string): number => {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(trimmed);
  if (!match || trimmed === '')
    throw new UsageError(`--duration: expected e.g. 4h, 90m, 1h30m or 600s, got ${text}`);
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  const ms = Math.round((Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000);
  if (ms <= 0) throw new UsageError('--duration must be positive');
  return ms;
};

const positiveNumber = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`--${name} must be a positive number, got ${text}`);
  return value;
};

const positiveInteger = (name: string, text: string | undefined): number | undefined => {
  const value = positiveNumber(name, text);
  if (value !== undefined && !Number.isInteger(value))
    throw new UsageError(`--${name} must be a whole number, got ${text}`);
  return value;
};

const share = (name: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new UsageError(`--${name} must be between 0 and 1, got ${text}`);
  return value;
};

const hints = (name: string, text: string | undefined): { sizeMB?: number; seconds?: number } => {
  if (text === undefined) return {};
  const [size, seconds] = text.split(',');
  const sizeMB = size === undefined || size === '' ? undefined : Number(size);
  const interval = seconds === undefined || seconds === '' ? undefined : Number(seconds);
  if ((sizeMB !== undefined && !(sizeMB > 0)) || (interval !== undefined && !(interval >= 0)))
    throw new UsageError(`--${name}: expected <MB>,<seconds>, e.g. 1,60, got ${text}`);
  return {
    ...(sizeMB === undefined ? {} : { sizeMB }),
    ...(interval === undefined ? {} : { seconds: interval }),
  };
};

/** The command line as run options, with the defaults of `npm start`. */
export const parseCommandLine = (
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliOptions => {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        devices: { type: 'string' },
        sites: { type: 'string' },
        duration: { type: 'string' },
        events: { type: 'string' },
        rate: { type: 'string' },
        'bad-share': { type: 'string' },
        'kafka-share': { type: 'string' },
        'duplicate-share': { type: 'string' },
        'late-share': { type: 'string' },
        'heartbeat-share': { type: 'string' },
        seed: { type: 'string' },
        start: { type: 'string' },
        window: { type: 'string' },
        'processor-buffer': { type: 'string' },
        's3-buffer': { type: 'string' },
        shards: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        'keep-running': { type: 'boolean' },
        'log-level': { type: 'string' },
        faults: { type: 'string' },
        'fault-rate': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const devices = positiveInteger('devices', values.devices) ?? 40;
  const format = values.format ?? 'parquet';
  if (format !== 'parquet' && format !== 'json')
    throw new UsageError(`--format must be parquet or json, got ${format}`);
  const window = positiveInteger('window', values.window);
  if (window !== undefined && window > 900) throw new UsageError('--window must be 1-900 seconds');
  let startMs: number | undefined;
  if (values.start !== undefined) {
    startMs = Date.parse(values.start);
    if (Number.isNaN(startMs)) throw new UsageError(`--start: not a time: ${values.start}`);
  }
  const events = positiveInteger('events', values.events);
  const processor = hints('processor-buffer', values['processor-buffer']);
  const bufferProblem =
    processor.sizeMB === undefined ? undefined : processorBufferSizeProblem(processor.sizeMB);
  if (bufferProblem !== undefined) throw new UsageError(`--processor-buffer: ${bufferProblem}`);
  const s3 = hints('s3-buffer', values['s3-buffer']);
  const logLevel = values['log-level']?.toUpperCase();
  if (logLevel !== undefined && !['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'].includes(logLevel))
    throw new UsageError(
      `--log-level must be DEBUG, INFO, WARN, ERROR, CRITICAL or SILENT, got ${values['log-level']}`,
    );
  const durationMs =
    values.duration !== undefined
      ? parseDuration(values.duration)
      : events === undefined
        ? 4 * HOUR_MS
        : undefined;
  let faults;
  try {
    faults = values.faults === undefined ? [] : parseFaultList(values.faults);
  } catch (error) {
    if (error instanceof FaultListError) throw new UsageError(`--faults: ${error.message}`);
    throw error;
  }
  const faultRate =
    values['fault-rate'] === undefined ? undefined : share('fault-rate', values['fault-rate'], 0);
  if (faultRate === 0) throw new UsageError('--fault-rate must be above 0');
  if (faultRate !== undefined && faults.length === 0) throw new UsageError('--fault-rate needs --faults');
  const sites = positiveInteger('sites', values.sites);
  const shards = positiveInteger('shards', values.shards);
  const run: RunOptions = {
    root: values.out ?? localRoot(env),
    devices,
    rate: positiveNumber('rate', values.rate) ?? devices / 60,
    badShare: share('bad-share', values['bad-share'], 0.02),
    kafkaShare: share('kafka-share', values['kafka-share'], 0.25),
    duplicateShare: share('duplicate-share', values['duplicate-share'], 0.01),
    lateShare: share('late-share', values['late-share'], 0.01),
    heartbeatShare: share('heartbeat-share', values['heartbeat-share'], 0.01),
    format,
    seed: values.seed ?? 'pipeline',
    keepRunning: values['keep-running'] ?? false,
    ...(sites === undefined ? {} : { sites }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(events === undefined ? {} : { events }),
    ...(startMs === undefined ? {} : { startMs }),
    ...(window === undefined ? {} : { windowSeconds: window }),
    ...(processor.sizeMB === undefined ? {} : { processorBufferSizeMB: processor.sizeMB }),
    ...(processor.seconds === undefined ? {} : { processorBufferIntervalSeconds: processor.seconds }),
    ...(s3.sizeMB === undefined ? {} : { s3BufferSizeMB: s3.sizeMB }),
    ...(s3.seconds === undefined ? {} : { s3BufferIntervalSeconds: s3.seconds }),
    ...(shards === undefined ? {} : { shards }),
    // The functions log every injected failure as an error: with faults the summary says it better.
    ...(logLevel === undefined ? (faults.length === 0 ? {} : { logLevel: 'CRITICAL' }) : { logLevel }),
    ...(faults.length === 0 ? {} : { faults }),
    ...(faultRate === undefined ? {} : { faultRate }),
  };
  if (run.badShare + run.heartbeatShare > 1)
    throw new UsageError('--bad-share and --heartbeat-share together cannot exceed 1');
  return { run, quiet: values.quiet ?? false, help: values.help ?? false };
};
