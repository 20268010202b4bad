import { parseArgs } from 'node:util';
import { localLayout, localRoot } from '../cloud/layout';
import { DuckDbQueryEngine } from '../engines';
import { awsClients, kinesisHub, s3Store, sqsRunQueue } from './aws';
import { withLocalCloud } from './local';
import { PROCESSING_FAILED_PREFIX, redrive } from './redrive';
import { rerunReports } from './rerun-reports';
import { exitWith } from '../cli/exit-with';

export const REDRIVE_HELP = `Usage: npm run redrive -- [options]

Re-drives records Firehose wrote to the error prefix (after the transform was fixed): each error
object's records (base64 rawData) are put into the hub with Kinesis PutRecords, so the transform
runs again and the lake, reports and warehouse follow. A marker errors/redriven/<key> is written
with a conditional put after each object, so a second run skips it. Records that still fail land
in the error prefix again under the re-drive's hour: bound the run with --from/--to.

--reason and --device select records by the columns of the view quarantine (SELECT reason,
device_id ... FROM quarantine): only those are put, each marked on its own, and a later run without
filters re-drives the rest of their objects.

  --target local|aws   default local (the .local/ folder, or --root)
  --root <dir>         local cloud folder (default: LOCAL_ROOT or .local/ at the repository root)
  --prefix <prefix>    default ${PROCESSING_FAILED_PREFIX}
  --from <hour>        only error objects of this arrival hour or later, e.g. 2026-11-25T06 (UTC)
  --to <hour>          ... and of this hour or earlier
  --reason <reason>    only records of this reason (repeat or comma-separate for several), e.g.
                       invalid_metrics, or Lambda.FunctionError for batches Firehose gave up on
  --device <id>        only records of this device (repeatable, comma-separated)
  --dry-run            count what would be re-driven, change nothing
  AWS only:
  --bucket <name>      the ingest bucket (ingest-transform output IngestBucketName)
  --stream <name|arn>  the hub stream (ingest-transform output HubStreamName)
  --region <region>    default: the SDK's (AWS_REGION, profile)`;

export const RERUN_HELP = `Usage: npm run rerun-reports -- --from 2026-11-25T06 --to 2026-11-25T09 [options]

Queues one rerun-partition message per UTC hour on report-runner's run queue; the runner rebuilds
every report of that hour and reloads the warehouse partition (same keys, same rows).

  --target local|aws   default local
  --root <dir>         local cloud folder
  --from <hour>        first hour (UTC), e.g. 2026-11-25T06
  --to <hour>          last hour, included
  AWS only:
  --queue-url <url>    the run queue: aws sqs get-queue-url --queue-name report-runner-<stage>-runs
  --region <region>`;

/** The default quarantine query: rejected records by source and reason. */
export const QUARANTINE_BY_REASON_SQL =
  'SELECT source, reason, count(*) AS records FROM quarantine GROUP BY source, reason ORDER BY records DESC, source, reason';

export const QUARANTINE_HELP = `Usage: npm run quarantine -- [--root <dir>] [--sql "<SELECT ...>"]

Queries the local cloud's quarantine (every record the pipeline rejected: the view quarantine over
the transform's, Firehose's, msk-consumer's and the IoT rule's error records) with DuckDB, as Athena
queries the same Glue tables and view in AWS (there: the Athena console or CLI, database
pipeline_<stage>). Prints one JSON object per row.

  --root <dir>   local cloud folder (default: LOCAL_ROOT or .local/ at the repository root)
  --sql <query>  default: ${QUARANTINE_BY_REASON_SQL}`;

const options = {
  target: { type: 'string', default: 'local' },
  root: { type: 'string' },
  prefix: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  reason: { type: 'string', multiple: true },
  device: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean', default: false },
  bucket: { type: 'string' },
  stream: { type: 'string' },
  'queue-url': { type: 'string' },
  sql: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

/** `--reason a --reason b,c` as `[a, b, c]`; undefined when not given (no filter). */
export const listOption = (values: readonly string[] | undefined): string[] | undefined => {
  if (values === undefined) return undefined;
  const items = values.flatMap((value) => value.split(',')).map((item) => item.trim());
  if (items.some((item) => item === '')) throw new RangeError('an empty --reason or --device');
  return items;
};

const required = (value: string | undefined, name: string): string => {
  if (!value) throw new Error(`--${name} is required`);
  return value;
};

/** `ops <redrive|rerun-reports|quarantine> [options]`; returns the exit code. */
export const main = async (argv: string[], print: (line: string) => void = console.log): Promise<number> => {
  const [command, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options, strict: true });
  const help = { redrive: REDRIVE_HELP, 'rerun-reports': RERUN_HELP, quarantine: QUARANTINE_HELP }[
    command ?? ''
  ];
  if (!help) throw new Error('usage: ops <redrive|rerun-reports|quarantine> [options]');
  if (values.help) {
    print(help);
    return 0;
  }
  if (values.target !== 'local' && values.target !== 'aws') throw new Error('--target is local or aws');
  const range = {
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
  };
  const root = values.root ?? localRoot();

  if (command === 'quarantine') {
    if (values.target !== 'local') throw new Error('quarantine queries the local cloud; in AWS use Athena');
    const { lakeDir, quarantineDir } = localLayout(root);
    const engine = await DuckDbQueryEngine.create({ lakeDir, kafkaQuarantineDir: quarantineDir });
    try {
      const { rows } = await engine.run({
        name: 'quarantine',
        sql: values.sql ?? QUARANTINE_BY_REASON_SQL,
        parameters: [],
      });
      for (const row of rows) print(JSON.stringify(row));
    } finally {
      await engine.close();
    }
    return 0;
  }

  if (command === 'redrive') {
    const settings = {
      ...range,
      ...(values.prefix ? { prefix: values.prefix } : {}),
      ...(values.reason ? { reasons: listOption(values.reason) } : {}),
      ...(values.device ? { devices: listOption(values.device) } : {}),
      dryRun: values['dry-run'],
      now: () => Date.now(),
    };
    const summary =
      values.target === 'aws'
        ? await (async () => {
            const clients = awsClients(values.region);
            return redrive({
              ...settings,
              store: s3Store(clients.s3, required(values.bucket, 'bucket')),
              hub: kinesisHub(clients.kinesis, required(values.stream, 'stream')),
            });
          })()
        : await withLocalCloud(root, ({ cloud, store, hub }) =>
            redrive({ ...settings, store, hub, now: () => cloud.clock.now() }),
          );
    print(JSON.stringify(summary));
    return 0;
  }

  const request = { from: required(values.from, 'from'), to: required(values.to, 'to') };
  const result =
    values.target === 'aws'
      ? await rerunReports(
          sqsRunQueue(awsClients(values.region).sqs, required(values['queue-url'], 'queue-url')),
          request,
        )
      : await withLocalCloud(root, ({ runQueue }) => rerunReports(runQueue, request));
  print(JSON.stringify(result));
  return 0;
};

if (require.main === module) exitWith(() => main(process.argv.slice(2)));
