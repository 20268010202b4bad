// `node scripts/run-together.mjs typecheck lint`: runs those npm scripts at the same time and
// prints each one's output in one piece when it ends, in the order given. Exits 1 when any failed.
// An argument `a,b` is a chain: `a`, then `b` once `a` has passed (a failure ends the chain), the
// chain itself running at the same time as the other arguments.
// `npm test` uses it for checks that read the sources but write nothing, so they cannot race: on
// two cores, tsc and ESLint (each one thread) finish together in about the time of the longer one;
// and for the e2e tier (one jest worker, one busy core) beside the other tiers, which share
// nothing with it: each test writes to its own temporary folders, and a packaging to a cache of its own.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';

const chains = process.argv.slice(2).map((argument) => argument.split(',').filter(Boolean));
if (chains.length === 0 || chains.some((chain) => chain.length === 0)) {
  process.stderr.write('usage: node scripts/run-together.mjs <npm script>[,<npm script>...] ...\n');
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

const print = ({ name, code, signal, output, seconds }) => {
  process.stdout.write(`> npm run ${name}\n${output}`);
  const outcome = code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`;
  process.stdout.write(`< npm run ${name} ${outcome} in ${seconds} s\n\n`);
};

// The first chain prints each script's output as it ends; the others print theirs when they end,
// in the order given, so a long chain beside them does not hide the progress of the first.
const runChain = async (chain, printNow) => {
  const results = [];
  for (const name of chain) {
    const result = await run(name);
    results.push(result);
    if (printNow) print(result);
    if (result.code !== 0) break;
  }
  return results;
};

const outcomes = await Promise.all(chains.map((chain, index) => runChain(chain, index === 0)));
for (const results of outcomes.slice(1)) results.forEach(print);
const passed = outcomes.every(
  (results, index) => results.length === chains[index].length && results.every(({ code }) => code === 0),
);
process.exit(passed ? 0 : 1);
