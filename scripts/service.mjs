// One service's own checks, for a team that works on that service alone. Every service's
// package.json calls this script with the same words, and npm runs it in the service's folder
// (`npm test` there, or `npm test --workspace services/<name>` at the root):
//
//   test               typecheck and lint at the same time, then the unit and integration tiers
//   test:unit          the service's unit tests         (options after `--` go to jest)
//   test:integration   the service's integration tests  (sls package, sls invoke local, local engines)
//   typecheck          tsc over the whole service folder (its tsconfig.json)
//   lint               ESLint and Prettier over the service folder, one @aws-sdk/* version
//   invoke [event]     sls invoke local --stage local with the service's function and sample event
//   list-tests         the test files `npm test` runs (narrowed like it), one a line
//
// Jest runs with the root configuration and its `roots` narrowed to the service folder, so a path
// or pattern given after `--` can only narrow the selection, never reach another workspace.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const serviceDir = process.cwd();
const service = path.relative(root, serviceDir).split(path.sep).join('/');
if (!/^services\/[^/]+$/.test(service) || !existsSync(path.join(serviceDir, 'package.json'))) {
  process.stderr.write(
    `scripts/service.mjs runs in a service folder (services/<name>), not in ${serviceDir}\n`,
  );
  process.exit(2);
}

/** Runs a command to its end with the terminal attached; resolves to its exit code. */
const run = (command, args, cwd = root) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('error', (error) => {
      process.stderr.write(`${command}: ${error.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

/** Runs the commands one after the other, stopping at the first that fails. */
const inTurn = async (...commands) => {
  for (const [command, args, cwd] of commands) {
    const code = await run(command, args, cwd);
    if (code !== 0) return code;
  }
  return 0;
};

// `--roots` and `--selectProjects` take every word after them: the caller's arguments go first.
const jest = (projects, extra) => [
  bin('jest'),
  [...extra, '--roots', `<rootDir>/${service}`, '--selectProjects', ...projects],
];
const TIERS = ['unit', 'integration'];

// `npm run invoke -- [event file] [sls options]`: the function and event default to the
// package.json's `config.invoke`; an option the caller gives replaces the default it names.
const invokeArgs = (extra) => {
  const { function: fn, event } = JSON.parse(readFileSync(path.join(serviceDir, 'package.json'), 'utf8'))
    .config.invoke;
  const [first, ...rest] = extra;
  const options = first !== undefined && !first.startsWith('-') ? ['--path', first, ...rest] : extra;
  const given = (...names) => options.some((option) => names.includes(option.split('=')[0]));
  return [
    'invoke',
    'local',
    ...(given('--stage', '-s') ? [] : ['--stage', 'local']),
    ...(given('--function', '-f') ? [] : ['--function', fn]),
    ...(given('--path', '-p', '--data', '-d') ? [] : ['--path', event]),
    ...options,
  ];
};

const commands = {
  test: (extra) =>
    inTurn(
      [process.execPath, [path.join(root, 'scripts', 'run-together.mjs'), 'typecheck', 'lint'], serviceDir],
      jest(TIERS, extra),
    ),
  'test:unit': (extra) => inTurn(jest(['unit'], extra)),
  'test:integration': (extra) => inTurn(jest(['integration'], extra)),
  'list-tests': (extra) => inTurn(jest(TIERS, [...extra, '--listTests'])),
  typecheck: () => inTurn([bin('tsc'), ['-p', path.join(service, 'tsconfig.json'), '--noEmit']]),
  lint: () =>
    inTurn(
      [bin('eslint'), [service, '--max-warnings', '0']],
      [bin('prettier'), ['--check', service]],
      [process.execPath, [path.join(root, 'scripts', 'check-sdk-versions.mjs')]],
    ),
  invoke: (extra) => inTurn([bin('sls'), invokeArgs(extra), serviceDir]),
};

const [name, ...extra] = process.argv.slice(2);
const command = commands[name];
if (!command) {
  process.stderr.write(`usage: node scripts/service.mjs <${Object.keys(commands).join('|')}> [arguments]\n`);
  process.exit(2);
}
process.exit(await command(extra));
