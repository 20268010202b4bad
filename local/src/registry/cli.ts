import { parseArgs } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DEFAULT_REGISTRY_KEY,
  REGISTRY_PREFIX,
  RegistryFormatError,
  serialiseRegistry,
} from '@pipeline/shared/registry';
import { LOCAL_RESOURCES, localRoot } from '../cloud/layout';
import { readRegistryFile, writeLocalRegistry } from './registry-file';
import { exitWith } from '../cli/exit-with';

export const REGISTRY_HELP = `Usage: npm run registry -- <validate|upload> <file.csv|file.jsonl> [options]

The device registry ingest-transform enriches records from (README "Device registry"). Both
commands validate the file with the shared schema first: a file with any bad line is refused,
naming the lines. upload then writes it, as JSON Lines, where the transform reads it; running
transforms pick it up at their next refresh (registryRefreshSeconds, default 300 s).

  validate <file>      check the file, print the number of devices
  upload <file>        validate, then write it to the registry key
  --target aws|local   upload target, default aws
  --bucket <name>      the ingest bucket (ingest-transform output IngestBucketName), aws only
  --key <key>          default ${DEFAULT_REGISTRY_KEY} (parameter registryKey)
  --root <dir>         local cloud folder (default: LOCAL_ROOT or .local/ at the repository root)
  --region <region>    default: the SDK's (AWS_REGION, profile)`;

const options = {
  target: { type: 'string', default: 'aws' },
  bucket: { type: 'string' },
  key: { type: 'string', default: DEFAULT_REGISTRY_KEY },
  root: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

/** `registry <validate|upload> <file> [options]`; returns the exit code. */
export const main = async (
  argv: string[],
  print: (line: string) => void = console.log,
  s3: () => S3Client = () => new S3Client({}),
): Promise<number> => {
  const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  const [command, file] = positionals;
  if (values.help || command === undefined) {
    print(REGISTRY_HELP);
    return values.help ? 0 : 2;
  }
  if ((command !== 'validate' && command !== 'upload') || file === undefined || positionals.length > 2)
    throw new Error('usage: registry <validate|upload> <file> [options] (--help)');

  let registry;
  try {
    registry = await readRegistryFile(file);
  } catch (error) {
    if (!(error instanceof RegistryFormatError)) throw error;
    print(`${file}: refused, nothing uploaded`);
    for (const { line, message } of error.problems) print(`  line ${line}: ${message}`);
    return 1;
  }
  if (command === 'validate') {
    print(`${file}: valid, ${registry.size} devices`);
    return 0;
  }

  const key = values.key;
  // upload writes JSON Lines, and the Glue table device_registry reads every object under the prefix.
  if (
    !key.startsWith(REGISTRY_PREFIX) ||
    !key.endsWith('.jsonl') ||
    key.slice(REGISTRY_PREFIX.length).includes('/')
  )
    throw new Error(`--key must be a .jsonl object directly under ${REGISTRY_PREFIX}, got ${key}`);
  if (values.target === 'local') {
    const written = await writeLocalRegistry(
      values.root ?? localRoot(),
      LOCAL_RESOURCES.ingestBucket,
      key,
      registry.values(),
    );
    print(`${registry.size} devices written to ${written}`);
    return 0;
  }
  if (values.target !== 'aws') throw new Error('--target is aws or local');
  if (!values.bucket) throw new Error('--bucket is required with --target aws');
  const client = values.region ? new S3Client({ region: values.region }) : s3();
  const { ETag } = await client.send(
    new PutObjectCommand({
      Bucket: values.bucket,
      Key: key,
      Body: serialiseRegistry(registry.values()),
      ContentType: 'application/x-ndjson',
    }),
  );
  print(`${registry.size} devices uploaded to s3://${values.bucket}/${key} (ETag ${ETag ?? '?'})`);
  return 0;
};

if (require.main === module) exitWith(() => main(process.argv.slice(2)));
