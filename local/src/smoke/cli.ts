import { parseArgs } from 'node:util';
import { localRoot } from '../cloud/layout';
import { exitWith } from '../cli/exit-with';
import { withLocalCloud } from '../ops/local';
import { newRunId, validateRunId } from './plan';
import { runSmoke, type SmokeOutput } from './run';
import { localSmokeTarget } from './local';

export const SMOKE_HELP = `Usage: npm run smoke -- --stage <stage> [options]

Sends synthetic messages tagged with a run id (device ids smoke-<runId>-<n>: readings, one sent
twice, broken messages, heartbeats) into the hub, waits until they have passed Firehose, the
reports and the real-time layer, and prints the same books as npm start: produced = delivered +
dropped + failed. Exits 1 when the books do not balance within the time-out.
When the stage's msk-consumer reads an MSK cluster, a Kafka share (devices smoke-<runId>-k<n>,
one poison record) is handed to the deployed function with Lambda Invoke: it bypasses the brokers
and the event source mapping (needs lambda:InvokeFunction). Locally it goes through the local
MSK cluster.

  --stage <stage>      the deployed stage (stacks <service>-<stage>)
  --region <region>    default: the SDK's (AWS_REGION, profile)
  --events <n>         messages to send (default 100)
  --timeout <s>        how long the books may take to balance (default 900: Firehose buffers up to
                       s3BufferIntervalSeconds, then the reports run)
  --poll <s>           seconds between two looks at the books (default 15)
  --run-id <id>        4-24 of a-z 0-9 (default: a fresh one)
  --target aws|local   default aws; local runs against a local cloud folder (npm start first)
  --root <dir>         the local cloud folder (default: LOCAL_ROOT or .local/)`;

const options = {
  stage: { type: 'string' },
  region: { type: 'string' },
  events: { type: 'string', default: '100' },
  timeout: { type: 'string', default: '900' },
  poll: { type: 'string', default: '15' },
  'run-id': { type: 'string' },
  target: { type: 'string', default: 'aws' },
  root: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

const positive = (text: string, name: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive whole number, got ${text}`);
  return value;
};

export const consoleOutput = (): SmokeOutput => {
  const tty = process.stdout.isTTY === true;
  let pending = false;
  const endProgress = () => {
    if (pending) process.stdout.write('\n');
    pending = false;
  };
  return {
    line: (text) => {
      endProgress();
      process.stdout.write(`${text}\n`);
    },
    progress: (text) => {
      if (!tty) return void process.stdout.write(`${text}\n`);
      process.stdout.write(`\r\x1b[2K${text}`);
      pending = true;
    },
    error: (text) => {
      endProgress();
      process.stderr.write(`${text}\n`);
    },
  };
};

/** `npm run smoke -- ...`; returns the exit code. */
export const main = async (argv: string[], out: SmokeOutput = consoleOutput()): Promise<number> => {
  const { values } = parseArgs({ args: argv, options, strict: true });
  if (values.help) {
    out.line(SMOKE_HELP);
    return 0;
  }
  const settings = {
    runId: validateRunId(values['run-id'] ?? newRunId()),
    events: positive(values.events, 'events'),
    timeoutMs: positive(values.timeout, 'timeout') * 1000,
    pollMs: positive(values.poll, 'poll') * 1000,
  };
  if (values.target === 'local')
    return withLocalCloud(values.root ?? localRoot(), (ops) =>
      runSmoke(localSmokeTarget(ops), settings, out),
    );
  if (values.target !== 'aws') throw new Error('--target is aws or local');
  if (!values.stage) throw new Error('--stage is required (or --target local)');
  const { awsSmokeTarget } = await import('./aws');
  return runSmoke(await awsSmokeTarget(values.stage, values.region), settings, out);
};

if (require.main === module) exitWith(() => main(process.argv.slice(2)));
