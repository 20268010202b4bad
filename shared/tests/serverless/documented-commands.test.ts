import { allDocumentedCommands, documentedCommands, REPO_ROOT, type DocumentedCommand } from '../../testing';
import path from 'node:path';

/*
 * Every `sls` command the docs show, checked with the option validation of the CLI that runs it:
 * at the repository root `sls` hands over to compose (osls lib/cli/triage.js, because
 * serverless-compose.yml exists), which accepts only --stage, --verbose and --max-concurrency on
 * deploy/remove/info/logs/outputs/refresh-outputs/package and refuses --param/--config/--debug on
 * every command (@osls/compose src/validate-options.js); in a service folder osls parses the
 * command against its AWS commands schema and refuses unknown options
 * (lib/cli/resolve-input.js, lib/cli/ensure-supported-command.js).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const minimist = require('minimist') as (
  argv: string[],
  options: { string: string[] },
) => Record<string, unknown>;
const validateComposeOptions = require('@osls/compose/src/validate-options') as (
  options: Record<string, unknown>,
  method: string,
) => void;
const resolveInput = require('osls/lib/cli/resolve-input') as ((
  schema: unknown,
  argv: string[],
) => unknown) & {
  clear(): void;
};
const ensureSupportedCommand = require('osls/lib/cli/ensure-supported-command') as (
  configuration: unknown,
  input: unknown,
) => void;
const awsServiceCommands = require('osls/lib/cli/commands-schema/aws-service') as unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

/** What compose's entry (src/index.js runComponents) does with the arguments before it runs anything. */
const composeAccepts = (argv: string[]): void => {
  const options = minimist(argv, { string: ['stage'] });
  let method = (options._ as string[]).join(':');
  if (options.service) delete options.service;
  else if (method.includes(':')) method = method.split(':').slice(1).join(':');
  delete options._;
  validateComposeOptions(options, method);
};

/** What osls does in a service folder before it loads the config. */
const oslsAccepts = (argv: string[]): void => {
  resolveInput.clear();
  ensureSupportedCommand({}, resolveInput(awsServiceCommands, argv));
};

const problemOf = ({ cwd, argv, fenced }: DocumentedCommand): string | undefined => {
  try {
    if (cwd === '') composeAccepts(argv);
    else oslsAccepts(argv);
    return undefined;
  } catch (error) {
    // Prose may name a command without its required options (`sls invoke local --stage local`
    // runs the handler...); a command block must be complete.
    if (!fenced && (error as { code?: string }).code === 'MISSING_REQUIRED_CLI_OPTION') return undefined;
    return (error as Error).message.split('\n')[0];
  }
};

describe('the sls commands the docs show', () => {
  it('pass the option validation of the CLI that runs them (compose at the root, osls in a service)', async () => {
    const commands = await allDocumentedCommands();
    const refused = commands.flatMap((command) => {
      const problem = problemOf(command);
      return problem
        ? [`${command.file} (in ${command.cwd || 'the root'}): ${command.text}: ${problem}`]
        : [];
    });
    expect(refused).toEqual([]);
    // The deploy commands are among them: at the root and in a service folder.
    expect(commands.some(({ cwd, argv }) => cwd === '' && argv[0] === 'deploy')).toBe(true);
    expect(commands.some(({ cwd, argv }) => cwd.startsWith('services/') && argv[0] === 'deploy')).toBe(true);
  });

  it('are found with the folder they run in', () => {
    const readme = path.join(REPO_ROOT, 'README.md');
    const markdown = [
      'Run `sls package --stage dev` or:',
      '```sh',
      'AWS_REGION=eu-west-1 npx sls deploy --stage prod   # all services',
      '(cd services/msk-consumer && npx sls invoke local -f consumer -p events/a.json)',
      'cd services/report-runner',
      'npx sls deploy --stage prod \\',
      '  --param warehouse=postgres --param warehouseUrlSecretArn=<secret ARN>',
      '```',
    ].join('\n');
    expect(documentedCommands(readme, markdown).map(({ cwd, argv }) => [cwd, argv.join(' ')])).toEqual([
      ['', 'package --stage dev'],
      ['', 'deploy --stage prod'],
      ['services/msk-consumer', 'invoke local -f consumer -p events/a.json'],
      [
        'services/report-runner',
        'deploy --stage prod --param warehouse=postgres --param warehouseUrlSecretArn=<secret ARN>',
      ],
    ]);
  });

  it('refuses what each CLI refuses', () => {
    const at = (cwd: string, command: string): DocumentedCommand => ({
      file: 'README.md',
      cwd,
      fenced: true,
      argv: command.split(' '),
      text: command,
    });
    expect(problemOf(at('', 'deploy --stage prod --region eu-west-1'))).toMatch(
      /Unrecognized CLI options: "--region"/,
    );
    expect(problemOf(at('', 'deploy --stage prod --param a=b'))).toMatch(/"--param" option is not supported/);
    expect(problemOf(at('', 'deploy --stage prod'))).toBeUndefined();
    expect(problemOf(at('services/report-runner', 'invoke local --stage local'))).toMatch(
      /requires "--function"/,
    );
    expect(
      problemOf({ ...at('services/report-runner', 'invoke local --stage local'), fenced: false }),
    ).toBeUndefined();
    expect(
      problemOf(at('services/msk-consumer', 'deploy --stage prod --region eu-west-1 --param a=b')),
    ).toBeUndefined();
    expect(problemOf(at('services/msk-consumer', 'deploy --stage prod --regoin eu-west-1'))).toMatch(
      /unrecognized CLI options: "--regoin"/,
    );
  });
});
