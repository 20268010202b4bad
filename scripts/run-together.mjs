// `node scripts/run-together.mjs typecheck lint`: runs those npm scripts at the same time and
// prints each one's output in one piece when it ends, in the order given. Exits 1 when any failed.
// `npm test` uses it for checks that read the sources but write nothing, so they cannot race: on
// two cores, tsc and ESLint (each one thread) finish together in about the time of the longer one.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';

const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('usage: node scripts/run-together.mjs <npm script> [<npm script> ...]\n');
  process.exit(2);
}

const run = (name) =>
  new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    const child = spawn('npm', ['run', name], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
    child.on('error', (error) =>
      resolve({ name, code: 1, output: `${error.message}\n`, seconds: seconds() }),
    );
    child.on('close', (code, signal) =>
      resolve({
        name,
        code: code ?? 1,
        signal,
        output: Buffer.concat(chunks).toString(),
        seconds: seconds(),
      }),
    );
  });

const results = await Promise.all(names.map(run));
for (const { name, code, signal, output, seconds } of results) {
  process.stdout.write(`> npm run ${name}\n${output}`);
  const outcome = code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`;
  process.stdout.write(`< npm run ${name} ${outcome} in ${seconds} s\n\n`);
}
process.exit(results.every(({ code }) => code === 0) ? 0 : 1);
